"""The JSON report of docs/design.md §7, built from a day's merged partial (pure: no I/O, no clock).

Everything here is a function of the merged partial, the number of objects it came from and
the configuration, so the same partials give the same report byte for byte. Lists are sorted
with explicit tie-breaks; numbers are integers except rates and latencies (rounded).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from stream_processor import aggregate
from stream_processor.aggregate import counters, origins
from stream_processor.aggregate.histogram import quantile
from stream_processor.config import Config
from stream_processor.parse import LEVELS

from .review.incidents import section as incident_section

SCHEMA = 1
PERCENTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))

Report = dict[str, Any]
Redact = Callable[[str], str]


def iso_ms(timestamp_ms: int | None) -> str | None:
    """Milliseconds since the epoch → `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
    if timestamp_ms is None:
        return None
    seconds, millis = divmod(timestamp_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def rate(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def latency_summary(latency: Mapping[str, Any]) -> dict[str, Any] | None:
    """count/min/mean/p50/p95/p99/max in ms (nearest rank, ≤ 1 % error), or None without data."""
    count = latency["count"]
    if not count:
        return None
    low, high = latency["min"], latency["max"]
    summary: dict[str, Any] = {"count": count, "min": round(low, 3), "max": round(high, 3)}
    summary["mean"] = round(latency["sum_us"] / count / 1000, 3)
    for name, q in PERCENTILES:
        value = quantile(latency["buckets"], q, low, high)
        summary[name] = round(value if value is not None else high, 3)
    return summary


def top(counter: Mapping[str, int], n: int, redact: Redact) -> list[dict[str, Any]]:
    """The n highest counts, ties by name."""
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:n]
    return [{"name": redact(name), "count": count} for name, count in ranked]


def top_errors(signatures: Mapping[str, Any], n: int, redact: Redact) -> list[dict[str, Any]]:
    ranked = sorted(signatures.items(), key=lambda item: (-item[1]["count"], item[0]))[:n]
    return [
        {
            "signature": redact(sig),
            "count": entry["count"],
            "sample": redact(entry["sample"]),
            "first_seen": iso_ms(entry["first"][0]),
        }
        for sig, entry in ranked
    ]


def _security(window: aggregate.Window, redact: Redact) -> dict[str, Any]:
    """Per-rule counts (they may overlap: an event matching two rules counts under both) and the
    distinct events that triggered any rule (`security_events_total`, what totals add up)."""
    seen = window["security"]
    counts = {rule: entry["count"] for rule, entry in sorted(seen.items())}
    samples = {
        rule: [
            {"time": iso_ms(ts), "event_id": event_id, "text": redact(text)}
            for ts, event_id, text in entry["samples"]
        ]
        for rule, entry in seen.items()
    }
    return {
        "security_events": counts,
        "security_events_total": aggregate.security_events(window),
        "security_samples": samples,
    }


def folded(window: aggregate.Window) -> dict[str, dict[str, int]]:
    """Per counter that went past its cap: events folded into "other" (exact; no folded key has
    more) and about how many keys they were (kept × 2^level, ±1/√cap), plus the keys kept."""
    found: dict[str, dict[str, int]] = {}
    for name, entry in sorted(window["folded"].items()):
        kept = len(window[name])
        found[name] = {
            "events": entry["events"],
            "keys": max(counters.sampled_keys(kept, entry["level"]) - kept, 1),
            "kept": kept,
        }
    return found


def silent_runs(hourly: list[dict[str, int]], at_least: int) -> list[list[int]]:
    """Runs of consecutive hours without events that last `at_least` hours or more."""
    runs: list[list[int]] = []
    current: list[int] = []
    for hour, counts in enumerate([*hourly, {"events": 1}]):
        if counts["events"] == 0:
            current.append(hour)
            continue
        if len(current) >= at_least:
            runs.append(current)
        current = []
    return runs


def group_section(hours: Mapping[str, aggregate.Window], config: Config) -> dict[str, Any]:
    """One log group's day: its 24 hourly windows merged, summarised and ranked."""
    day = aggregate.combine(hours[hour] for hour in sorted(hours))
    redact: Redact = config.rules.redact
    hourly = [
        {"events": hours[h]["events"], "errors": hours[h]["errors"]}
        if h in hours
        else {"events": 0, "errors": 0}
        for h in aggregate.HOUR_KEYS
    ]
    levels = dict.fromkeys(LEVELS, 0)
    levels.update(day["levels"])
    section: dict[str, Any] = {
        "events": day["events"],
        "errors": day["errors"],
        "error_rate": rate(day["errors"], day["events"]),
        "bytes": day["bytes"],
        "levels": levels,
        "latency_ms": latency_summary(day["latency"]),
        "hourly": hourly,
        "silent_hours": [hour for hour, counts in enumerate(hourly) if counts["events"] == 0],
        "top_errors": top_errors(day["error_signatures"], config.top_n, redact),
        "top_principals": top(day["principals"], config.top_n, redact),
        "top_actions": top(day["actions"], config.top_n, redact),
        "top_statuses": top(day["statuses"], config.top_n, redact),
        "first_event": iso_ms(day["first_ts"]),
        "last_event": iso_ms(day["last_ts"]),
        "folded": folded(day),
    }
    section.update(_security(day, redact))
    return section


def dimensions(merged: aggregate.Partial) -> dict[str, Any]:
    """`accounts` (the batches' owner account) and `regions` (where they were processed), each
    {key: {batches, events, errors, error_rate, security_events, log_groups{group: counts}}},
    summed from the partial's `origins`; empty for partials written before schema 3, and no
    region for batches processed where none was known."""
    found: dict[str, dict[str, Any]] = {"accounts": {}, "regions": {}}
    for key, counts in merged.get("origins", {}).items():
        owner, region, group = origins.split_key(key)
        for name, value in (("accounts", owner), ("regions", region)):
            if not value:
                continue
            entry = found[name].setdefault(value, {**dict.fromkeys(origins.COUNTS, 0), "log_groups": {}})
            per_group = entry["log_groups"].setdefault(group, dict.fromkeys(origins.COUNTS[1:], 0))
            for field, count in zip(origins.COUNTS, counts, strict=True):
                entry[field] += count
                if field in per_group:
                    per_group[field] += count
    for entries in found.values():
        for entry in entries.values():
            entry["error_rate"] = rate(entry["errors"], entry["events"])
    return found


def alerts(
    groups: Mapping[str, Mapping[str, Any]], config: Config, expected: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Threshold breaches, security events (one per rule per group) and silent expected groups
    (`expected`, default the configured names; see `review.expected`).

    A group is silent, as the template's silent-group alarm says, after `silent_hours`
    consecutive hours without an event (within the day); the value is the longest such run.
    """
    watched = frozenset(config.log_groups if expected is None else expected)
    found: list[dict[str, Any]] = []
    for group, section in groups.items():
        if section["error_rate"] > config.error_rate_threshold:
            found.append(_alert("error_rate", group, section["error_rate"], config.error_rate_threshold))
        latency = section["latency_ms"]
        if latency is not None and latency["p99"] > config.latency_threshold_ms:
            found.append(_alert("latency_p99", group, latency["p99"], config.latency_threshold_ms))
        for rule, count in section["security_events"].items():
            if count:
                found.append({**_alert("security_event", group, count, 0), "security_rule": rule})
        runs = silent_runs(section["hourly"], config.silent_hours) if group in watched else []
        if runs:
            longest = max(len(run) for run in runs)
            hours = [hour for run in runs for hour in run]
            found.append({**_alert("silent_hours", group, longest, config.silent_hours), "hours": hours})
    return sorted(found, key=lambda a: (a["log_group"], a["rule"], a.get("security_rule", "")))


def _alert(rule: str, group: str, value: float, threshold: float) -> dict[str, Any]:
    return {"rule": rule, "log_group": group, "value": value, "threshold": threshold}


def build_report(
    day: date,
    merged: aggregate.Partial,
    batches: int,
    config: Config,
    objects: int | None = None,
    expected: Sequence[str] | None = None,
) -> Report:
    """The report body (without `generated_at`, `revision` and `late_data`, see `revision`).

    `partials` = `objects`, the partial objects read (default: the partials merged); `batches` =
    the distinct CloudWatch batches they hold, as the caller counted them; `expected` = the groups
    that appear (and alert when silent) even without events, default the configured names (the
    job adds the prefix groups its history saw: `review.expected`).
    """
    windows: Mapping[str, Mapping[str, aggregate.Window]] = merged["windows"]
    watched = list(config.log_groups if expected is None else expected)
    names = sorted(set(windows) | set(watched))
    groups = {name: group_section(windows.get(name, {}), config) for name in names}
    events = sum(g["events"] for g in groups.values())
    errors = sum(g["errors"] for g in groups.values())
    totals = {
        "events": events,
        "errors": errors,
        "error_rate": rate(errors, events),
        "security_events": sum(g["security_events_total"] for g in groups.values()),
        "bytes": sum(g["bytes"] for g in groups.values()),
        "folded_events": sum(sum(f["events"] for f in g["folded"].values()) for g in groups.values()),
    }
    return {
        "schema": SCHEMA,
        "date": day.isoformat(),
        "partials": merged["partials"] if objects is None else objects,
        "batches": batches,
        "thresholds": {
            "error_rate": config.error_rate_threshold,
            "latency_ms": config.latency_threshold_ms,
            "silent_hours": config.silent_hours,
        },
        "log_group_prefixes": list(config.log_group_prefixes),
        "expected_log_groups": watched,
        "silent_log_groups": [name for name in watched if not groups[name]["events"]],
        "totals": totals,
        **dimensions(merged),
        "log_groups": groups,
        "alerts": alerts(groups, config, watched),
        **incident_section(windows, config),  # incidents, admin_actions, admin_actions_total
    }
