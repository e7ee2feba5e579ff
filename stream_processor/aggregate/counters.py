"""Capped counters whose merge is exactly order-independent: hash-level sampling (pure).

A window's counters (principals, actions, statuses, error signatures) are exact while they hold
at most `cap` distinct keys. Past it a counter keeps exactly the keys whose *level* is at least
`j`, where a key's level is the number of trailing zero bits of blake2b(key) (a fixed,
pseudo-random property of the key: half the keys have level ≥ 1, a quarter ≥ 2, …) and `j` is
the smallest level that leaves at most `cap` keys. Everything else is *folded*: its events are
added to the counter's `events` (exact), and `level` records `j`.

Why any merge order gives identical bytes. Let U be the union of all keys in the inputs, with
their summed counts, and j*(U) the smallest j with |{k ∈ U : level(k) ≥ j}| ≤ cap. An input
built from a subset U_A ⊆ U has j_A ≤ j*(U) (fewer keys at every level), and keeps every key of
U_A at level ≥ j_A with its exact count. So a merge, which first drops keys below
m = max(j_A, j_B) and then raises the level until at most `cap` keys remain, holds every key of
U at level ≥ m with its exact count, and stops at j*(U) (the smallest level ≥ m that fits, and
j*(U) ≥ m). The result — the keys of U at level ≥ j*(U), their exact counts, j*(U) and the
folded events (all events minus the kept ones) — depends only on the multiset of inputs:
associative, commutative, with the empty counter as identity, for every tree of merges.

What it costs: a kept key's count is exact, but a key is kept for its hash, not its count, so a
frequent key can be folded while rarer ones are shown. The report says so whenever a counter
folded anything: how many events were folded (each folded key has at most that many) and about
how many keys (|kept| × 2^j estimates the distinct keys, ±1/√cap). Memory is bounded by `cap`
keys per counter.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, TypeVar

MAX_LEVEL = 64  # digest of 8 bytes: a key whose digest is all zeros has level 64

V = TypeVar("V")
K = TypeVar("K")


@functools.lru_cache(maxsize=1 << 16)
def level(key: str) -> int:
    """Trailing zero bits of the key's 64-bit blake2b digest (the key's sampling level)."""
    raw = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    digest = int.from_bytes(raw, "big")
    return MAX_LEVEL if digest == 0 else (digest & -digest).bit_length() - 1


def fit(counts: MutableMapping[str, V], weight: Callable[[V], int], floor: int, cap: int) -> tuple[int, int]:
    """Drop keys below `floor`, then raise the level until at most `cap` keys remain (in place).

    Returns (level, events folded by this call); `weight` gives the events of an entry.
    """
    if floor == 0 and len(counts) <= cap:
        return 0, 0
    levels = {key: level(key) for key in counts}
    at_level = [0] * (MAX_LEVEL + 1)
    for found in levels.values():
        at_level[found] += 1
    kept = sum(at_level[floor:])
    chosen = floor
    while kept > cap and chosen < MAX_LEVEL:
        kept -= at_level[chosen]
        chosen += 1
    folded = 0
    for key, found in levels.items():
        if found < chosen:
            folded += weight(counts.pop(key))
    return chosen, folded


def merge(
    into: MutableMapping[str, V],
    other: Mapping[str, V],
    levels: tuple[int, int],
    combine: Callable[[V | None, V], V],
    weight: Callable[[V], int],
    cap: int,
) -> tuple[int, int]:
    """Add counter `other` into `into` (levels: theirs before the merge); returns (level, folded).

    Keys are hashed only once sampling is on (a level above 0) or the cap is passed, so merging
    counters that stay under their cap costs what adding dicts costs.
    """
    mine, theirs = levels
    floor = max(mine, theirs)
    folded = 0
    if floor > mine:
        for key in [key for key in into if level(key) < floor]:
            folded += weight(into.pop(key))
    for key, value in other.items():
        if floor and level(key) < floor:
            folded += weight(value)
        else:
            into[key] = combine(into.get(key), value)
    if len(into) > cap:
        floor, more = fit(into, weight, floor, cap)
        folded += more
    return floor, folded


def sampled_keys(kept: int, at_level: int) -> int:
    """Estimated distinct keys behind a counter that kept `kept` keys at level `at_level`."""
    return kept << at_level


def folded_entry(folded: Mapping[K, Any], name: K) -> tuple[int, int]:
    """(level, folded events) of counter `name` from a window's `folded` map (0, 0 when exact)."""
    entry = folded.get(name)
    return (entry["level"], entry["events"]) if entry else (0, 0)
