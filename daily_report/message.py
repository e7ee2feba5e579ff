"""The SNS summary of a run (pure): date, totals, alerts, where the report is, revised days.

No log message text goes into it, only counts and log group names, and those are made inert
and cut; the message stays far below SNS's 256 KiB.
"""

from __future__ import annotations

from collections.abc import Sequence

from .render_review import attention_lines
from .render_text import describe_alert, inert, number, percent
from .report import Report

MAX_ALERTS = 50


def subject(report: Report) -> str:
    """An ASCII, single-line subject of at most 100 characters."""
    alerts = len(report["alerts"])
    return f"logreview daily review {report['date']}: {alerts} alert{'s' if alerts != 1 else ''}"[:100]


def summary_message(
    report: Report, locations: Sequence[str], html_url: str, revised: Sequence[Report] = ()
) -> str:
    """The body of the SNS message."""
    totals = report["totals"]
    lines = [
        f"Daily log review for {report['date']} (UTC), revision {report['revision']}",
        f"events {number(totals['events'])}, errors {number(totals['errors'])} "
        f"({percent(totals['error_rate'])}), security events {number(totals['security_events'])}",
        "",
        "Needs attention:",
        *(f"  {line}" for line in attention_lines(report, 200)),
        "",
        f"Alerts ({len(report['alerts'])}):",
    ]
    lines += [f"  ! {inert(describe_alert(a), 200)}" for a in report["alerts"][:MAX_ALERTS]]
    if len(report["alerts"]) > MAX_ALERTS:
        lines.append(f"  ... and {len(report['alerts']) - MAX_ALERTS} more in the report")
    if not report["alerts"]:
        lines.append("  none")
    lines += ["", "Report objects:", *(f"  {location}" for location in locations)]
    lines += ["", "HTML report (link valid for 7 days):", f"  {html_url}"]
    if revised:
        lines += ["", "Earlier reports revised for late data:"]
        lines += [
            f"  {r['date']}: revision {r['revision']}, {number(r['late_data']['partials'])} late partial(s)"
            for r in revised
        ]
    return "\n".join(lines) + "\n"
