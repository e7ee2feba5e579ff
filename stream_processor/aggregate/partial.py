"""The partial aggregate (schema 3): one *bundle* per (invocation, UTC day); what the reports merge.

A partial is plain JSON-shaped data::

    {"schema": 3, "date": "YYYY-MM-DD",
     "partials": n,                  # objects merged into it (a bundle is 1)
     "batches": k,                   # distinct CloudWatch batches merged
     "batch_ids": [id, ...] | null,  # sorted; kept only while exactly one object is inside
     "archive": key | null,          # the invocation's archive object; idem
     "origins": {"account region log_group": [batches, events, errors, security_events]},
     "windows": {log_group: {"HH": window}}}

and a window holds counters for one log group and one UTC hour (see `new_window`). Schema 3
added `origins` (per account, region and log group: `origins`); a schema-2 partial (rollups and
stored day aggregates embed them too) reads and merges as one with no origins.

Ids and archive key are dropped by a merge of two objects (as schema 1 dropped its `batch`), so a
report-level merge never carries millions of ids: readers that deduplicate keep the ids beside
the merge (`bundle.BatchLedger`). Schema-1 partials (one per batch, with a `batch` object) are
still read: `decode` upgrades their envelope.

Laws (property-tested, also far past every cap): `merge` is associative and commutative,
`empty()` is its identity, and any order or tree of merges of the same partials encodes to the
same bytes (sorted keys, integers only where sums are taken). Bounded memory:

- `principals`, `actions`, `statuses`, `error_signatures` hold at most `COUNTER_CAP` keys each.
  Past the cap a counter keeps the keys of highest hash level (`counters`: a choice that depends
  only on the union of keys, never on the order they arrived in), with exact counts; the window's
  `folded[name]` = `{"level", "events"}` says how many events went to "other".
- security samples: the `SAMPLES_PER_RULE` smallest (timestamp, event id, text), also a function
  of the union.

- `evidence`: correlatable events (logins, sudo, account and IAM changes, root, logging turned
  off), bounded per kind and key (`aggregate.evidence`); optional, so windows written before it
  existed still read (as no evidence) without a schema change.

Schema 1 (`dropped` instead of `folded`, top-k caps) is still read: its counters are taken as
they are (level 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, NotRequired, TypedDict

import orjson

from . import counters, evidence
from .origins import merge_origins

SCHEMA = 3
SCHEMA_2 = 2  # before `origins`; read and merged as if it were empty
SCHEMA_1 = 1  # one partial per batch; still read (envelope and windows upgraded by `decode`)
COUNTER_CAP = 1000  # keys per counter per window; a day at the cap everywhere: ~72 MB merged
SAMPLES_PER_RULE = 5
CounterName = Literal["principals", "actions", "statuses", "error_signatures"]
COUNTERS: tuple[CounterName, ...] = ("principals", "actions", "statuses")
CAPPED: tuple[CounterName, ...] = (
    *COUNTERS,
    "error_signatures",
)  # sampled by hash level past COUNTER_CAP keys
HOURS = range(24)  # the hours of a UTC day; a window's key in `windows` is its two-digit name
HOUR_KEYS = tuple(f"{hour:02d}" for hour in HOURS)

Partial = dict[str, Any]


class Latency(TypedDict):
    """A window's latencies: exact count, sum (integer µs), min and max (ms), and the log-bucketed
    histogram (histogram.py: bucket key → count) its quantiles come from."""

    count: int
    sum_us: int
    min: float | None
    max: float | None
    buckets: dict[str, int]


class Window(TypedDict):
    """The counters of one log group in one UTC hour (docs/processor.md says what each holds)."""

    events: int
    bytes: int
    errors: int
    levels: dict[str, int]
    latency: Latency
    principals: dict[str, int]
    actions: dict[str, int]
    statuses: dict[str, int]
    error_signatures: dict[str, Any]  # signature → {"count", "first": [ts, id], "sample"}
    security: dict[str, Any]  # rule id → {"count", "samples": [[ts, id, text], …]}
    security_events: int
    folded: dict[CounterName, Any]  # counter name → {"level", "events"} once sampled (counters.py)
    first_ts: int | None
    last_ts: int | None
    # kind → key → items (evidence.py); filled by the pipeline, absent in windows written before it
    evidence: NotRequired[dict[str, Any]]


def make_latency(
    count: int, sum_us: int, low: float | None, high: float | None, buckets: dict[str, int]
) -> Latency:
    """The one place a `Latency` is spelled out."""
    return {"count": count, "sum_us": sum_us, "min": low, "max": high, "buckets": buckets}


def make_window(
    events: int,
    size: int,
    errors: int,
    levels: dict[str, int],
    latency: Latency,
    principals: dict[str, int],
    actions: dict[str, int],
    statuses: dict[str, int],
    error_signatures: dict[str, Any],
    security: dict[str, Any],
    security_events: int,
    first_ts: int | None,
    last_ts: int | None,
) -> Window:
    """The one place a `Window` is spelled out (nothing folded yet). Positional arguments in
    `Window`'s order (`size` is "bytes"): it runs once per one-event batch, where keywords cost."""
    return {
        "events": events,
        "bytes": size,
        "errors": errors,
        "levels": levels,
        "latency": latency,
        "principals": principals,
        "actions": actions,
        "statuses": statuses,
        "error_signatures": error_signatures,
        "security": security,
        "security_events": security_events,
        "folded": {},
        "first_ts": first_ts,
        "last_ts": last_ts,
        "evidence": {},
    }


def new_window() -> Window:
    """An empty window: the counters of one log group in one UTC hour."""
    return make_window(0, 0, 0, {}, make_latency(0, 0, None, None, {}), {}, {}, {}, {}, {}, 0, None, None)


def empty() -> Partial:
    """The identity of `merge`."""
    return {
        "schema": SCHEMA,
        "date": None,
        "partials": 0,
        "batches": 0,
        "batch_ids": None,
        "archive": None,
        "origins": {},
        "windows": {},
    }


def _add_counts(into: dict[str, int], other: dict[str, int]) -> None:
    for key, count in other.items():
        into[key] = into.get(key, 0) + count


def _lowest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _highest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else max(a, b)


def _add_signature(mine: dict[str, Any] | None, entry: dict[str, Any]) -> dict[str, Any]:
    if mine is None:
        return dict(entry)
    mine["count"] += entry["count"]
    if entry["first"] < mine["first"]:
        mine["first"], mine["sample"] = entry["first"], entry["sample"]
    return mine


def _signature_events(entry: dict[str, Any]) -> int:
    return int(entry["count"])


def _events(count: int) -> int:
    return count


def _set_folded(window: Window, name: CounterName, level: int, events: int) -> None:
    if level:
        window["folded"][name] = {"level": level, "events": events}
    else:
        window["folded"].pop(name, None)


def cap_window(window: Window) -> Window:
    """Fit a freshly built window's counters to `COUNTER_CAP` (recording what was folded)."""
    for name in CAPPED:
        weight = _signature_events if name == "error_signatures" else _events
        if len(window[name]) > COUNTER_CAP:
            level, events = counters.fit(window[name], weight, 0, COUNTER_CAP)
            _set_folded(window, name, level, events)
    return window


def _merge_counter(into: Window, other: Window, name: CounterName) -> None:
    """Add counter `name` of `other` into `into`, sampled by hash level past the cap (`counters`)."""
    mine, folded_mine = counters.folded_entry(into["folded"], name)
    theirs, folded_theirs = counters.folded_entry(other["folded"], name)
    target, source = into[name], other[name]
    if name == "error_signatures":
        level, folded = counters.merge(
            target, source, (mine, theirs), _add_signature, _signature_events, COUNTER_CAP
        )
    elif mine == theirs == 0:  # the common case: exact counters, plain addition
        _add_counts(target, source)
        level, folded = counters.fit(target, _events, 0, COUNTER_CAP)
    else:
        level, folded = counters.merge(target, source, (mine, theirs), _add_count, _events, COUNTER_CAP)
    if level or folded_mine or folded_theirs:
        _set_folded(into, name, level, folded_mine + folded_theirs + folded)


def _add_count(mine: int | None, count: int) -> int:
    return count if mine is None else mine + count


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
    for key in ("events", "bytes", "errors"):
        into[key] += other[key]
    _add_counts(into["levels"], other["levels"])
    lat, olat = into["latency"], other["latency"]
    lat["count"] += olat["count"]
    lat["sum_us"] += olat["sum_us"]
    lat["min"] = _lowest(lat["min"], olat["min"])
    lat["max"] = _highest(lat["max"], olat["max"])
    _add_counts(lat["buckets"], olat["buckets"])
    for name in CAPPED:
        _merge_counter(into, other, name)
    into["security_events"] = security_events(into) + security_events(other)
    _merge_security(into["security"], other["security"])
    into["first_ts"] = _lowest(into["first_ts"], other["first_ts"])
    into["last_ts"] = _highest(into["last_ts"], other["last_ts"])
    if other.get("evidence"):  # absent in windows written before it existed: no evidence
        evidence.merge(into.setdefault("evidence", {}), other["evidence"])


def combine(windows: Iterable[Window]) -> Window:
    """Several windows (e.g. one log group's hours) summed into one new window."""
    total = new_window()
    for window in windows:
        merge_window(total, window)
    return total


def merge_into(acc: Partial, other: Partial) -> Partial:
    """Streaming merge: add `other` into `acc` in place and return `acc`."""
    if other["schema"] not in (SCHEMA, SCHEMA_2):
        raise ValueError(f"partial has schema {other['schema']!r}, expected {SCHEMA} (or {SCHEMA_2})")
    if acc["date"] is not None and other["date"] is not None and acc["date"] != other["date"]:
        raise ValueError(f"cannot merge partials of {acc['date']} and {other['date']}")
    acc["date"] = acc["date"] or other["date"]
    total = acc["partials"] + other["partials"]
    for name in ("batch_ids", "archive"):  # only while exactly one object is inside
        acc[name] = (acc[name] or other[name]) if total == 1 else None
    acc["partials"] = total
    acc["batches"] += other["batches"]
    acc["schema"] = SCHEMA  # a schema-2 accumulator (a stored rollup) becomes schema 3
    merge_origins(acc.setdefault("origins", {}), other.get("origins", {}))
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


def decode(data: bytes | memoryview) -> Partial:
    """Bytes written by `encode` (or a view of them) → schema-3 partial (schemas 1 and 2
    upgraded); rejects others."""
    partial = orjson.loads(data)
    if not isinstance(partial, dict) or partial.get("schema") not in (SCHEMA, SCHEMA_2, SCHEMA_1):
        raise ValueError(f"not a schema-{SCHEMA} (or {SCHEMA_2}, {SCHEMA_1}) partial aggregate")
    if partial["schema"] == SCHEMA_1:
        return upgrade(partial)
    if partial["schema"] == SCHEMA_2:
        partial.update(schema=SCHEMA, origins={})
    return partial


def upgrade(old: Partial) -> Partial:
    """A schema-1 partial (one per batch, `batch` metadata) in the current envelope (no origins:
    schema 1 did not count them).

    Its batch id is kept so the deduplicating reader can tell it apart from a bundle holding the
    same batch; it names no archive object (a schema-1 partial is one batch: a duplicate of it is
    dropped whole, never rebuilt).
    """
    batch = old.get("batch")
    objects = old["partials"]
    return {
        "schema": SCHEMA,
        "date": old["date"],
        "partials": objects,
        "batches": objects,
        "batch_ids": [batch["batch_id"]] if isinstance(batch, dict) and objects == 1 else None,
        "archive": None,
        "origins": {},
        "windows": upgrade_windows(old["windows"]),
    }


def upgrade_windows(windows: dict[str, Any]) -> dict[str, Any]:
    """Schema-1 windows → current windows: `dropped` becomes an empty `folded` (counters exact)."""
    for hours in windows.values():
        for window in hours.values():
            window.pop("dropped", None)
            window["folded"] = {}
    return windows
