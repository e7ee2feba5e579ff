"""Which log groups the text and HTML reports show in full when there are many (pure).

A stack reviewing prefixes may hear from hundreds of groups. The JSON report keeps every one;
the readable reports show at most `limit` of them (`Report.TopLogGroups`, default 20): first the
groups with an alert other than silence (a security event, an error rate or a latency over its
threshold), so no small group's security samples are cut, then the largest by events (ties by
name). One line says what the rest hold: how many groups and their totals. The expected groups
that were silent all day get a line of their own, since a ranking by events never shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..report import Report
from .formatting import inert, number

TOP_GROUPS = 20
HIDDEN = "hidden_log_groups"  # the view's summary of the groups it leaves out


def limited(report: Report, limit: int = TOP_GROUPS) -> Report:
    """The report itself when it has at most `limit` groups; else a view whose `log_groups` holds
    the `limit` shown ones (in rank order) and whose `hidden_log_groups` sums the others."""
    groups: Mapping[str, Mapping[str, Any]] = report["log_groups"]
    if len(groups) <= limit:
        return report
    alerting = {a["log_group"] for a in report.get("alerts", []) if a["rule"] != "silent_hours"}
    ranked = sorted(groups, key=lambda name: (name not in alerting, -groups[name]["events"], name))
    shown, hidden = ranked[:limit], ranked[limit:]
    totals = {
        field: sum(groups[name][field] for name in hidden)
        for field in ("events", "errors", "security_events_total", "bytes")
    }
    summary = {"groups": len(hidden), "of": len(groups), **totals}
    return {**report, "log_groups": {name: groups[name] for name in shown}, HIDDEN: summary}


def rest_line(report: Mapping[str, Any]) -> str | None:
    """`… and 480 more log groups (total …)` for a limited view, else None."""
    rest = report.get(HIDDEN)
    if not rest:
        return None
    return (
        f"… and {number(rest['groups'])} more log group{'s' if rest['groups'] != 1 else ''} "
        f"(total {number(rest['events'])} events, "
        f"{number(rest['errors'])} errors, {number(rest['security_events_total'])} security events; "
        f"all {number(rest['of'])} in the JSON report)"
    )


def silent_line(report: Mapping[str, Any], limit: int = TOP_GROUPS) -> str | None:
    """The expected groups without a single event this day (at most `limit` named), else None."""
    silent = report.get("silent_log_groups") or []
    if not silent:
        return None
    named = ", ".join(inert(name, 80) for name in silent[:limit])
    more = f" and {number(len(silent) - limit)} more" if len(silent) > limit else ""
    return f"silent all day ({number(len(silent))} expected log group(s) without an event): {named}{more}"
