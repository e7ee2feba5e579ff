"""Revisions: a regenerated report keeps its revision unless its content changed.

Content is everything but `generated_at`, `revision`, `late_data` and the comparisons with
other days (baseline, changes, first seen, needs attention). Replaying the archive and
regenerating therefore reproduces a report byte for byte (except `generated_at`), while late
partials that change any number produce revision n + 1 and say how many partials arrived since
revision n. `late_data` depends only on the partials and the previous report, never on clocks.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..report import Report

BOOKKEEPING = ("generated_at", "revision", "late_data")
# Comparisons with other days (review.py): they follow the history, not the day's own data, so a
# history change (an earlier day regenerated) updates them without making a new revision.
FROM_HISTORY = ("needs_attention",)
GROUP_FROM_HISTORY = frozenset(
    {
        "baseline",
        "changes",
        "new_principals",
        "new_principals_total",
        "new_actions",
        "new_actions_total",
        "new_error_signatures",
        "new_error_signatures_total",
    }
)


def content(report: Report) -> bytes:
    """The bytes that decide whether a report changed: the day's own data only."""
    body = {key: value for key, value in report.items() if key not in BOOKKEEPING + FROM_HISTORY}
    groups = body.get("log_groups")
    if isinstance(groups, dict):
        body["log_groups"] = {
            name: {key: value for key, value in section.items() if key not in GROUP_FROM_HISTORY}
            for name, section in groups.items()
        }
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def _revision_of(previous: Report | None) -> int:
    value = (previous or {}).get("revision")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def finalise(body: Report, previous: Report | None, generated_at: str) -> Report:
    """Stamp a report body with `generated_at`, its revision and the late-data facts."""
    before = _revision_of(previous)
    late: Any
    if previous is not None and before and content(previous) == content(body):
        revision, late = before, previous.get("late_data")
    else:
        revision = before + 1
        previous_partials = (previous or {}).get("partials") if before else None
        late = {
            "since_revision": before or None,
            "partials": max(0, body["partials"] - previous_partials)
            if isinstance(previous_partials, int)
            else 0,
        }
    return {**body, "generated_at": generated_at, "revision": revision, "late_data": late}


def changed(report: Report, previous: Report | None) -> bool:
    """Whether `report` is a new revision of `previous`."""
    return bool(report["revision"] != _revision_of(previous))


def encode(report: Report) -> bytes:
    """The `log_review.json` bytes: sorted keys, indented for people, newline-terminated."""
    return orjson.dumps(report, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
