"""The one pipeline shared by the live path and replay: batch → partial aggregates (pure, no I/O).

A batch is aggregated column by column: every message is parsed once, the detection rules scan
the batch's text at once (`detect.Detector.scan`), and each (UTC day, hour) window is filled from
its events' columns (`window.build`). Most batches fall in a single hour, which skips the
grouping; a one-event batch builds its window directly.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any

from . import aggregate
from .aggregate import evidence
from .aggregate.origins import batch_origins, group_key
from .aggregate.partial import HOUR_KEYS
from .aggregate.window import Columns, Kept, Texts, build, build_one
from .alerting.policy import DEFAULT_SETTINGS, AlertSettings
from .decode import DEFAULT_MAX_DECOMPRESSED, Batch, b64decode, decode_payload, looks_compressed
from .detect import DEFAULT_DETECTOR, Detector
from .detect.detector import Documents
from .incidents.classify import NEEDLES, Item, classify
from .parse import Parsed, parse_message
from .redact import DEFAULT_REDACTOR, Redactor

_HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Rules:
    """What the transforms need from the configuration (plus a bounded memo of what they derive)."""

    detector: Detector = DEFAULT_DETECTOR
    redact: Redactor = DEFAULT_REDACTOR
    alerting: AlertSettings = DEFAULT_SETTINGS
    region: str = ""  # where batches are processed (`config.processing_region`); "" counts none
    account: str = ""  # the function's own account (`config.processing_account`); "" qualifies none
    memo: Texts = field(default_factory=lambda: Texts(), compare=False, repr=False)
    # The redactor and memo as the window builders take them: built once here, not per batch (a
    # `Kept` only holds the two, so every batch's would be the same)
    kept: Kept = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kept", Kept(self.redact, self.memo))  # (frozen: set once, here)


DEFAULT_RULES = Rules()


@functools.lru_cache(maxsize=1024)
def _day(day_index: int) -> str:
    """`YYYY-MM-DD` of a day counted from the epoch (UTC)."""
    return time.strftime("%Y-%m-%d", time.gmtime(day_index * 86_400))


def _columns(events: list[dict[str, Any]], messages: list[str], parsed: list[Parsed]) -> dict[int, Columns]:
    """Hour index (since the epoch) → that hour's events; no grouping when all share one hour."""
    stamps = [event["timestamp"] for event in events]
    first, last = min(stamps) // _HOUR_MS, max(stamps) // _HOUR_MS
    if first == last:
        return {first: Columns(range(len(events)), events, messages, stamps, parsed)}
    groups: dict[int, list[int]] = {}
    for position, stamp in enumerate(stamps):
        groups.setdefault(stamp // _HOUR_MS, []).append(position)
    return {
        hour: Columns(
            index,
            [events[i] for i in index],
            [messages[i] for i in index],
            [stamps[i] for i in index],
            [parsed[i] for i in index],
        )
        for hour, index in groups.items()
    }


@dataclass(frozen=True, slots=True)
class Analysed:
    """What one pass over a batch found: the partials, and per event its parse and rule hits."""

    partials: list[aggregate.Partial]
    parsed: list[Parsed]  # same order as `batch.events`
    hits: dict[int, tuple[str, ...]]  # event index -> ids of the rules it triggered (sorted)
    evidence: list[tuple[str, Item]] = field(default_factory=list)  # (kind, item), batch order


def analyse_batch(batch: Batch, rules: Rules = DEFAULT_RULES) -> Analysed:
    """Parse, detect and aggregate a batch once; sinks that need the detections use this."""
    if batch.is_control or not batch.events:
        return Analysed([], [], {})
    events = batch.events
    messages = [event["message"] for event in events]
    texts = rules.kept
    parsed = list(map(parse_message, messages))
    documents: Documents = {}  # the JSON the detector loads, read again by the classifier
    hits, marks = rules.detector.scan_marked(messages, [p.status for p in parsed], NEEDLES, documents)
    found = classify(batch, parsed, hits, rules.redact, texts.name, texts.line, marks, documents)
    if len(events) == 1:
        hour = events[0]["timestamp"] // _HOUR_MS
        window = build_one(events[0], parsed[0], hits.get(0, ()), texts)
        if found:
            window["evidence"] = evidence.build(found)
        partial = _partial(batch, _day(hour // 24), {HOUR_KEYS[hour % 24]: window}, rules)
        return Analysed([partial], parsed, hits, found)
    days: dict[str, dict[str, aggregate.Window]] = {}
    for hour, cols in _columns(events, messages, parsed).items():
        days.setdefault(_day(hour // 24), {})[HOUR_KEYS[hour % 24]] = build(cols, hits, texts)
    for hour, classified in _by_hour(found).items():
        days[_day(hour // 24)][HOUR_KEYS[hour % 24]]["evidence"] = evidence.build(classified)
    partials = [_partial(batch, day, hours, rules) for day, hours in sorted(days.items())]
    return Analysed(partials, parsed, hits, found)


def _by_hour(found: list[tuple[str, Item]]) -> dict[int, list[tuple[str, Item]]]:
    hours: dict[int, list[tuple[str, Item]]] = {}
    for kind, item in found:
        hours.setdefault(item["t"] // _HOUR_MS, []).append((kind, item))
    return hours


def aggregate_batch(batch: Batch, rules: Rules = DEFAULT_RULES) -> list[aggregate.Partial]:
    """One partial per UTC day the batch's events fall on, sorted by day."""
    return analyse_batch(batch, rules).partials


def _partial(batch: Batch, day: str, hours: dict[str, aggregate.Window], rules: Rules) -> aggregate.Partial:
    """The batch's partial of one day: a one-batch bundle (`bundle.bundles` merges them), with
    its owner account and processing region counted once (`aggregate.origins`); another
    account's group is keyed `<owner>:<group>` (`origins.group_key`)."""
    return {
        "schema": aggregate.SCHEMA,
        "date": day,
        "partials": 1,
        "batches": 1,
        "batch_ids": [batch.batch_id],
        "archive": None,
        "origins": batch_origins(batch.owner, rules.region, batch.log_group, hours),
        "windows": {group_key(batch.owner, rules.account, batch.log_group): hours},
    }


def decode_data(data: str | bytes, cap: int = DEFAULT_MAX_DECOMPRESSED) -> Batch:
    """`awslogs.data` (base64 text) or the raw compressed bytes → Batch."""
    raw = data if isinstance(data, bytes) and looks_compressed(data) else b64decode(data)
    return decode_payload(raw, cap)


def process_data(data: str | bytes, rules: Rules = DEFAULT_RULES) -> list[dict[str, Any]]:
    """docs/design.md §12: the `awslogs.data` string (or raw gzip bytes) in, the partials it yields out."""
    return aggregate_batch(decode_data(data), rules)
