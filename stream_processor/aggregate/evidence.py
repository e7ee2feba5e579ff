"""The `evidence` field of a window: correlatable events, bounded, merged exactly (pure).

A window (one log group, one UTC hour) keeps, per kind (`classify.KINDS`) and per key
(`classify.key_of`: failures per source, logins per source and principal, the rest per principal)::

    {"kind": {"keys": {key: {"n": events, "items": [item, ...], "m": {minute_ms: events}}},
              "level": hash level, "folded": events}}

- `n` counts every event of the key (exact); `m`, for failed logins only, counts them per UTC
  minute (a brute force is so many failures within one aligned interval, as alerting counts it);
- `items` are the earliest `ITEMS_PER_KEY` (`FAILED_ITEMS` for failed logins) by (time, event id):
  the same rule as the security samples, a function of the union of the inputs, so merging in
  any order or tree gives the same bytes, and merging an item twice keeps it once;
- past `KEYS_PER_KIND` keys (`FAILED_KEYS` for failed logins) a kind keeps its keys by hash level
  as the window's counters do (`counters`): kept keys are exact, the rest is counted in `folded`.

Windows written before this field existed have none: they read as no evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from ..incidents.classify import Item, key_of
from . import counters

ITEMS_PER_KEY = 10
FAILED_ITEMS = 3
KEYS_PER_KIND = 200
FAILED_KEYS = 1000
KEY_LOGINS = 2  # routine key logins kept per principal and hour
MINUTE_MS = 60_000

Evidence = dict[str, Any]
Entry = dict[str, Any]


def _limits(kind: str) -> tuple[int, int]:
    """(items per key, keys per kind)."""
    if kind == "failed_login":
        return FAILED_ITEMS, FAILED_KEYS
    return (KEY_LOGINS if kind == "key_login" else ITEMS_PER_KEY), KEYS_PER_KIND


def _order(item: Item) -> tuple[int, str]:
    return item["t"], item["id"]


def earliest(items: Iterable[Item], limit: int) -> list[Item]:
    """The `limit` earliest distinct items by (time, event id); of two items with the same time and
    id (the same event, kept twice) the one with the smaller encoding, so the choice is order-free."""
    by_event: dict[tuple[int, str], Item] = {}
    for item in items:
        at = _order(item)
        known = by_event.get(at)
        if known is None or (known is not item and orjson.dumps(item, option=orjson.OPT_SORT_KEYS)
                             < orjson.dumps(known, option=orjson.OPT_SORT_KEYS)):  # fmt: skip
            by_event[at] = item
    return [by_event[at] for at in sorted(by_event)[:limit]]


def _weight(entry: Entry) -> int:
    return int(entry["n"])


def _entry(n: int, items: list[Item], minutes: dict[str, int] | None) -> Entry:
    found: Entry = {"n": n, "items": items}
    if minutes is not None:
        found["m"] = minutes
    return found


def _combiner(limit: int) -> Any:
    def combine(mine: Entry | None, theirs: Entry) -> Entry:
        if mine is None:
            return _entry(theirs["n"], list(theirs["items"]), dict(theirs["m"]) if "m" in theirs else None)
        minutes = None
        if "m" in mine or "m" in theirs:
            minutes = dict(mine.get("m", {}))
            for minute, count in theirs.get("m", {}).items():
                minutes[minute] = minutes.get(minute, 0) + count
        return _entry(mine["n"] + theirs["n"], earliest([*mine["items"], *theirs["items"]], limit), minutes)

    return combine


def build(classified: Iterable[tuple[str, Item]]) -> Evidence:
    """The evidence of one window from its classified events."""
    kinds: dict[str, dict[str, Entry]] = {}
    for kind, item in classified:
        keys = kinds.setdefault(kind, {})
        key = key_of(kind, item)
        entry = keys.get(key)
        if entry is None:
            entry = keys[key] = _entry(0, [], {} if kind == "failed_login" else None)
        entry["n"] += 1
        entry["items"].append(item)
        if "m" in entry:
            minute = str(item["t"] // MINUTE_MS * MINUTE_MS)
            entry["m"][minute] = entry["m"].get(minute, 0) + 1
    evidence: Evidence = {}
    for kind, keys in kinds.items():
        limit, cap = _limits(kind)
        for entry in keys.values():
            if len(entry["items"]) > 1:  # one item is its own earliest (most keys hold one)
                entry["items"] = earliest(entry["items"], limit)
        level, folded = counters.fit(keys, _weight, 0, cap)
        evidence[kind] = {"keys": keys, "level": level, "folded": folded}
    return evidence


def merge(into: Evidence, other: Evidence) -> None:
    """Add `other` into `into` (mutates `into` only); associative, commutative, `{}` the identity."""
    for kind, theirs in other.items():
        limit, cap = _limits(kind)
        mine = into.get(kind)
        if mine is None:
            mine = into[kind] = {"keys": {}, "level": 0, "folded": 0}
        level, folded = counters.merge(
            mine["keys"], theirs["keys"], (mine["level"], theirs["level"]), _combiner(limit), _weight, cap
        )
        mine["level"] = level
        mine["folded"] += theirs["folded"] + folded


def items(evidence: Evidence) -> Iterable[tuple[str, Item]]:
    """Every kept (kind, item)."""
    for kind, found in evidence.items():
        for entry in found["keys"].values():
            for item in entry["items"]:
                yield kind, item
