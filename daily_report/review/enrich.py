"""A day's report body enriched with what changed, what is new and what needs attention (pure).

Inputs are the body built from the day's partials, the merged partial itself (for the exact
first-seen index) and the stored reports and indexes of the baseline days. The result stays a
pure function of those, so regenerating a day with the same history gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from stream_processor import aggregate
from stream_processor.config import Config

from .attention import needs_attention
from .baseline import compare_group
from .exceptions import exceptions_section
from .seen import Index, build_index, day_windows, first_seen, security_flagger

History = Sequence[tuple[str, dict[str, Any] | None]]  # (date, stored report or None), newest first


def enrich(
    body: dict[str, Any],
    merged: aggregate.Partial,
    history: History,
    indexes: Sequence[Index],
    config: Config,
) -> tuple[dict[str, Any], Index]:
    """(the body with `baseline`, `changes`, `new_*` per group, `exceptions` and `needs_attention`,
    today's index). `exceptions` is the day's own data (merged aggregate and configuration)."""
    days = day_windows(merged)
    index = build_index(body["date"], days)
    groups = body["log_groups"]
    fresh = first_seen(days, indexes, config.rules.redact, security_flagger(groups))
    enriched: dict[str, Any] = {}
    for name, section in groups.items():
        past = [(day, (report or {}).get("log_groups", {}).get(name)) for day, report in history]
        baseline, changes = compare_group(section, past, config.deviation_threshold) if past else ({}, [])
        empty: dict[str, Any] = {
            f"{field}{suffix}": [] if not suffix else 0 for field in _NEW for suffix in ("", "_total")
        }
        enriched[name] = {**section, "baseline": baseline, "changes": changes, **empty, **fresh.get(name, {})}
    result = {**body, "log_groups": enriched}
    last = date.fromisoformat((body.get("period") or {}).get("to") or body["date"])  # a period's last day
    result["exceptions"] = exceptions_section(last, merged["windows"], config, body.get("incidents", []))
    result["needs_attention"] = needs_attention(result)
    return result, index


_NEW = ("new_principals", "new_actions", "new_error_signatures")
