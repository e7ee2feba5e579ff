"""The one pipeline shared by the live path and replay: batch → partial aggregates (pure, no I/O)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from . import aggregate
from .classify import DEFAULT_SECURITY_RULES, SecurityRules
from .decode import DEFAULT_MAX_DECOMPRESSED, Batch, b64decode, decode_payload, looks_compressed
from .histogram import bucket_key
from .parse import ERROR_LEVELS, parse_message
from .redact import DEFAULT_REDACTOR, Redactor
from .signature import error_signature

SAMPLE_LENGTH = 500
_SAMPLE_SCAN = 4000
_HOUR_MS = 3_600_000
_DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Rules:
    """What the transforms need from the configuration."""

    security: SecurityRules = DEFAULT_SECURITY_RULES
    redact: Redactor = DEFAULT_REDACTOR


DEFAULT_RULES = Rules()


@dataclass(slots=True)
class _Builder:
    """Accumulates one batch's events into per-(day, group, hour) windows."""

    rules: Rules
    log_group: str
    days: dict[str, dict[str, aggregate.Window]] = field(default_factory=dict)
    _day_names: dict[int, str] = field(default_factory=dict)

    def window(self, timestamp: int) -> aggregate.Window:
        day_index = timestamp // _DAY_MS
        day = self._day_names.get(day_index)
        if day is None:
            day = time.strftime("%Y-%m-%d", time.gmtime(day_index * 86_400))
            self._day_names[day_index] = day
        hour = f"{timestamp // _HOUR_MS % 24:02d}"
        hours = self.days.setdefault(day, {})
        found = hours.get(hour)
        if found is None:
            found = hours[hour] = aggregate.new_window()
        return found

    def sample(self, message: str) -> str:
        return self.rules.redact(message[:_SAMPLE_SCAN])[:SAMPLE_LENGTH]


def _add_event(builder: _Builder, event: dict[str, Any], rules_hit: list[str]) -> None:
    message: str = event["message"]
    stamp: int = event["timestamp"]
    win = builder.window(stamp)
    parsed = parse_message(message)
    win["events"] += 1
    win["bytes"] += len(message) if message.isascii() else len(message.encode("utf-8", "replace"))
    levels = win["levels"]
    levels[parsed.level] = levels.get(parsed.level, 0) + 1
    if win["first_ts"] is None or stamp < win["first_ts"]:
        win["first_ts"] = stamp
    if win["last_ts"] is None or stamp > win["last_ts"]:
        win["last_ts"] = stamp
    if parsed.latency_ms is not None:
        _add_latency(win["latency"], parsed.latency_ms)
    for name, value in (
        ("principals", parsed.principal),
        ("actions", parsed.action),
        ("statuses", parsed.status),
    ):
        if value is not None:
            counter = win[name]
            counter[value] = counter.get(value, 0) + 1
    if parsed.level in ERROR_LEVELS:
        win["errors"] += 1
        _add_signature(builder, win, parsed.text, stamp, event["id"])
    if parsed.status in ("401", "403") and "auth_failure" not in rules_hit:
        rules_hit = [*rules_hit, "auth_failure"]
    if parsed.principal == "root" and "root_activity" not in rules_hit:
        rules_hit = [*rules_hit, "root_activity"]
    for rule in rules_hit:
        entry = win["security"].setdefault(rule, {"count": 0, "samples": []})
        entry["count"] += 1
        entry["samples"].append([stamp, event["id"], message])


def _add_latency(latency: dict[str, Any], value: float) -> None:
    latency["count"] += 1
    latency["sum_us"] += round(value * 1000)
    latency["min"] = value if latency["min"] is None else min(latency["min"], value)
    latency["max"] = value if latency["max"] is None else max(latency["max"], value)
    buckets = latency["buckets"]
    key = bucket_key(value)
    buckets[key] = buckets.get(key, 0) + 1


def _add_signature(builder: _Builder, win: aggregate.Window, text: str, stamp: int, event_id: str) -> None:
    sig = error_signature(text, builder.rules.redact)
    entry = win["error_signatures"].get(sig)
    first = [stamp, event_id]
    if entry is None:
        win["error_signatures"][sig] = {"count": 1, "first": first, "sample": text}
    else:
        entry["count"] += 1
        if first < entry["first"]:
            entry["first"], entry["sample"] = first, text


def _finish_window(builder: _Builder, win: aggregate.Window) -> None:
    """Bound the window and redact the few texts it keeps (counter keys too: they are log text)."""
    for name in aggregate.COUNTERS:
        redacted: dict[str, int] = {}
        for key, count in win[name].items():
            clean = builder.sample(key)
            redacted[clean] = redacted.get(clean, 0) + count
        win[name] = redacted
        win["dropped"] += aggregate.cap_counter(redacted)
    for entry in win["error_signatures"].values():
        entry["sample"] = builder.sample(entry["sample"])
    signatures = win["error_signatures"]
    win["error_signatures"] = {}
    win["dropped"] += aggregate.merge_signatures(win["error_signatures"], signatures)
    for entry in win["security"].values():
        kept = sorted(entry["samples"], key=lambda s: (s[0], s[1]))[: aggregate.SAMPLES_PER_RULE]
        entry["samples"] = sorted([s[0], s[1], builder.sample(s[2])] for s in kept)


def batch_metadata(batch: Batch) -> dict[str, Any]:
    """What a partial records about the batch it came from."""
    events = batch.events
    return {
        "batch_id": batch.batch_id,
        "owner": batch.owner,
        "log_group": batch.log_group,
        "log_stream": batch.log_stream,
        "events": len(events),
        "first_event_id": events[0]["id"] if events else None,
        "last_event_id": events[-1]["id"] if events else None,
    }


def aggregate_batch(batch: Batch, rules: Rules = DEFAULT_RULES) -> list[aggregate.Partial]:
    """One partial per UTC day the batch's events fall on, sorted by day."""
    if batch.is_control or not batch.events:
        return []
    builder = _Builder(rules, batch.log_group)
    messages = [event["message"] for event in batch.events]
    hits = rules.security.scan(messages)
    no_hits: list[str] = []
    for index, event in enumerate(batch.events):
        _add_event(builder, event, hits.get(index, no_hits))
    meta = batch_metadata(batch)
    partials = []
    for day in sorted(builder.days):
        hours = builder.days[day]
        for win in hours.values():
            _finish_window(builder, win)
        partials.append(
            {
                "schema": aggregate.SCHEMA,
                "date": day,
                "partials": 1,
                "batch": meta,
                "windows": {batch.log_group: hours},
            }
        )
    return partials


def decode_data(data: str | bytes, cap: int = DEFAULT_MAX_DECOMPRESSED) -> Batch:
    """`awslogs.data` (base64 text) or the raw compressed bytes → Batch."""
    raw = data if isinstance(data, bytes) and looks_compressed(data) else b64decode(data)
    return decode_payload(raw, cap)


def process_data(data: str | bytes, rules: Rules = DEFAULT_RULES) -> list[dict[str, Any]]:
    """DESIGN §12: the `awslogs.data` string (or raw gzip bytes) in, the partials it yields out."""
    return aggregate_batch(decode_data(data), rules)
