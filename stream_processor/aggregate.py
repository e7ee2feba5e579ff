"""The partial aggregate (schema 1): one per (batch, UTC day); the format the daily report merges.

A partial is plain JSON-shaped data::

    {"schema": 1, "date": "YYYY-MM-DD", "partials": n,
     "batch": {batch metadata} | null,       # kept only while exactly one partial is inside
     "windows": {log_group: {"HH": window}}}

and a window holds counters for one log group and one UTC hour (see `new_window`).

Laws (property-tested): `merge` is associative and commutative, `empty()` is its identity and
`encode` is order-independent (sorted keys, integers only where sums are taken). Counters are
capped at `COUNTER_CAP` keys and samples at `SAMPLES_PER_RULE`; samples are the smallest by
(timestamp, event id), a choice that is itself associative. While no counter exceeds its cap the
laws hold exactly; past it, the lowest counts are dropped deterministically (and counted in
`dropped`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

SCHEMA = 1
COUNTER_CAP = 200
SAMPLES_PER_RULE = 5
COUNTERS = ("principals", "actions", "statuses")

Partial = dict[str, Any]
Window = dict[str, Any]


def new_window() -> Window:
    """An empty window: the counters of one log group in one UTC hour."""
    return {
        "events": 0,
        "bytes": 0,
        "errors": 0,
        "levels": {},
        "latency": {"count": 0, "sum_us": 0, "min": None, "max": None, "buckets": {}},
        "principals": {},
        "actions": {},
        "statuses": {},
        "error_signatures": {},
        "security": {},
        "security_events": 0,
        "dropped": 0,
        "first_ts": None,
        "last_ts": None,
    }


def empty() -> Partial:
    """The identity of `merge`."""
    return {"schema": SCHEMA, "date": None, "partials": 0, "batch": None, "windows": {}}


def _add_counts(into: dict[str, int], other: dict[str, int]) -> None:
    for key, count in other.items():
        into[key] = into.get(key, 0) + count


def _lowest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _highest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else max(a, b)


def cap_counter(counter: dict[str, int], cap: int = COUNTER_CAP) -> int:
    """Keep the `cap` highest counts (ties by key); return how many keys were dropped."""
    excess = len(counter) - cap
    if excess <= 0:
        return 0
    for key in _lowest_ranked(counter, excess):
        del counter[key]
    return excess


def _reverse_key(key: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in key)


_TOP_CHAR = "\U0010ffff"


def _lowest_ranked(counts: dict[str, int], excess: int) -> list[str]:
    """The `excess` keys that rank lowest by (count, `_reverse_key(key)`).

    The same choice as sorting every key by that pair, but fast: counts alone find the threshold,
    and only the keys tied at it are ordered, by `key + U+10FFFF` descending (equivalent to
    ascending `_reverse_key` unless a key itself contains U+10FFFF, which falls back to it).
    """
    threshold = sorted(counts.values())[excess - 1]
    chosen = [key for key, count in counts.items() if count < threshold]
    need = excess - len(chosen)
    if need:
        tied = [key for key, count in counts.items() if count == threshold]
        if _TOP_CHAR in "".join(tied):
            tied.sort(key=_reverse_key)
        else:
            tied.sort(key=lambda key: key + _TOP_CHAR, reverse=True)
        chosen.extend(tied[:need])
    return chosen


def merge_signatures(into: dict[str, Any], other: dict[str, Any]) -> int:
    """Add error-signature entries, keeping the earliest sample; return keys dropped by the cap."""
    for sig, entry in other.items():
        mine = into.get(sig)
        if mine is None:
            into[sig] = dict(entry)
            continue
        mine["count"] += entry["count"]
        if entry["first"] < mine["first"]:
            mine["first"], mine["sample"] = entry["first"], entry["sample"]
    excess = len(into) - COUNTER_CAP
    if excess <= 0:
        return 0
    for sig in _lowest_ranked({sig: entry["count"] for sig, entry in into.items()}, excess):
        del into[sig]
    return excess


def _merge_security(into: dict[str, Any], other: dict[str, Any]) -> None:
    for rule, entry in other.items():
        mine = into.setdefault(rule, {"count": 0, "samples": []})
        mine["count"] += entry["count"]
        mine["samples"] = sorted(mine["samples"] + entry["samples"])[:SAMPLES_PER_RULE]


def security_events(window: Window) -> int:
    """Distinct events that triggered at least one rule (per-rule counts may overlap).

    Windows written before this field existed count rule hits, the best figure they hold.
    """
    found = window.get("security_events")
    return sum(entry["count"] for entry in window["security"].values()) if found is None else int(found)


def merge_window(into: Window, other: Window) -> None:
    """Add `other` into `into` (mutates `into` only)."""
    for key in ("events", "bytes", "errors", "dropped"):
        into[key] += other[key]
    _add_counts(into["levels"], other["levels"])
    lat, olat = into["latency"], other["latency"]
    lat["count"] += olat["count"]
    lat["sum_us"] += olat["sum_us"]
    lat["min"] = _lowest(lat["min"], olat["min"])
    lat["max"] = _highest(lat["max"], olat["max"])
    _add_counts(lat["buckets"], olat["buckets"])
    for name in COUNTERS:
        _add_counts(into[name], other[name])
        into["dropped"] += cap_counter(into[name])
    into["dropped"] += merge_signatures(into["error_signatures"], other["error_signatures"])
    into["security_events"] = security_events(into) + security_events(other)
    _merge_security(into["security"], other["security"])
    into["first_ts"] = _lowest(into["first_ts"], other["first_ts"])
    into["last_ts"] = _highest(into["last_ts"], other["last_ts"])


def combine(windows: Iterable[Window]) -> Window:
    """Several windows (e.g. one log group's hours) summed into one new window."""
    total = new_window()
    for window in windows:
        merge_window(total, window)
    return total


def merge_into(acc: Partial, other: Partial) -> Partial:
    """Streaming merge: add `other` into `acc` in place and return `acc`."""
    if other["schema"] != SCHEMA:
        raise ValueError(f"partial has schema {other['schema']!r}, expected {SCHEMA}")
    if acc["date"] is not None and other["date"] is not None and acc["date"] != other["date"]:
        raise ValueError(f"cannot merge partials of {acc['date']} and {other['date']}")
    acc["date"] = acc["date"] or other["date"]
    total = acc["partials"] + other["partials"]
    acc["batch"] = (acc["batch"] or other["batch"]) if total == 1 else None
    acc["partials"] = total
    for group, hours in other["windows"].items():
        mine = acc["windows"].setdefault(group, {})
        for hour, window in hours.items():
            merge_window(mine.setdefault(hour, new_window()), window)
    return acc


def merge(a: Partial, b: Partial) -> Partial:
    """Pure merge of two partials (neither argument is modified)."""
    return merge_into(merge_into(empty(), a), b)


def encode(partial: Partial) -> bytes:
    """Deterministic bytes: sorted keys, no whitespace."""
    return orjson.dumps(partial, option=orjson.OPT_SORT_KEYS)


def decode(data: bytes) -> Partial:
    """Bytes written by `encode` → partial; rejects other schemas."""
    partial = orjson.loads(data)
    if not isinstance(partial, dict) or partial.get("schema") != SCHEMA:
        raise ValueError("not a schema-1 partial aggregate")
    return partial
