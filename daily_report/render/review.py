"""The review sections of the text report and SNS message: needs attention, changes, first seen (pure)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .formatting import FIRST_SEEN, figure, inert, number

Report = Mapping[str, Any]


def attention_label(entry: Mapping[str, Any]) -> str:
    """`incident HIGH`, `change`, `exception expired`, …"""
    severity = entry.get("severity")
    kind = str(entry["kind"]).replace("_", " ")
    return f"{kind} {str(severity).upper()}" if severity else kind


def attention_lines(report: Report, width: int = 100) -> Iterator[str]:
    """The ranked "needs attention" entries, one line each (`none` when there are none)."""
    entries = report.get("needs_attention", [])
    if not entries:
        yield "nothing stands out: no incident, no change against the baseline, nothing new"
    for entry in entries:
        where = f"{entry['log_group']}: " if entry.get("log_group") else ""
        yield inert(f"{entry['rank']:>2}. [{attention_label(entry)}] {where}{entry['text']}", width)


def history_note(section: Mapping[str, Any]) -> str:
    baseline = section.get("baseline") or {}
    days = baseline.get("history_days", 0)
    return f"{days} day{'s' if days != 1 else ''} of history"


def change_lines(report: Report, width: int = 100) -> Iterator[str]:
    """Per group: the history it was compared with, each flagged change, the first-seen totals."""
    for name, section in report["log_groups"].items():
        changes = section.get("changes", [])
        yield inert(f"{name} ({history_note(section)}): {len(changes)} change(s)", width)
        for change in changes:
            ratio = f", {change['ratio']}×" if change.get("ratio") not in (None, 0) else ""
            metric, value, usual = change["metric"], change["value"], change["reference"]
            yield inert(
                f"  {metric}: {figure(metric, value)} vs usual {figure(metric, usual)}"
                f" ({change['direction']}{ratio})",
                width,
            )
        for field, label in FIRST_SEEN:
            total = section.get(f"{field}_total", 0)
            if total:
                shown = ", ".join(f"{item['name']} ({number(item['count'])})" for item in section[field][:5])
                more = f" and {number(total - min(total, 5))} more" if total > 5 else ""
                yield inert(f"  {label} ({number(total)}): {shown}{more}", width)
