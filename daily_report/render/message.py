"""The SNS summary of a run (pure): date, totals, what needs attention, alerts, where the report
is, revised days.

No log message text goes into it: counts, log group names and the needs-attention lines (an
incident's title, principals, sources and hosts; never a log line or a command), made inert and
cut; the message stays far below SNS's 256 KiB. Its needs-attention lines and its counts of
incidents, admin actions and suppressed events are the ones the text and HTML reports show.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..publish import Link
from ..report import Report
from .formatting import describe_alert, inert, number, percent
from .incidents import admin_total, suppressed_total
from .review import attention_lines

MAX_ALERTS = 50
ATTENTION_WIDTH = 400  # an incident's line names its principals, sources and hosts


def subject(report: Report) -> str:
    """An ASCII, single-line subject of at most 100 characters."""
    alerts, incidents = len(report["alerts"]), len(report.get("incidents", []))
    counts = (
        f"{incidents} incident{'s' if incidents != 1 else ''}, {alerts} alert{'s' if alerts != 1 else ''}"
    )
    return f"logreview daily review {report['date']}: {counts}"[:100]


def counts_line(report: Report) -> str:
    """`incidents 1, admin actions 3, suppressed by exception 0 events (1 exception, 1 expired)`."""
    rows = report.get("exceptions", [])
    expired = sum(1 for row in rows if row["status"] == "expired")
    return (
        f"incidents {number(len(report.get('incidents', [])))}, admin actions {number(admin_total(report))}, "
        f"suppressed by exception {number(suppressed_total(report))} events "
        f"({number(len(rows))} exception{'s' if len(rows) != 1 else ''}, {number(expired)} expired)"
    )


def link_heading(link: Link) -> str:
    """How long the HTML link works, as far as anyone can know when it is signed."""
    until = link.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    if link.session_bound:
        return (
            f"HTML report (link valid until {until} at the latest; it was signed by the report "
            "function's role session and stops working when that session ends, possibly sooner):"
        )
    return f"HTML report (link valid until {until}):"


def summary_message(
    report: Report,
    locations: Sequence[str],
    link: Link,
    revised: Sequence[Report] = (),
    handed_off: Sequence[date] = (),
    skipped: Sequence[str] = (),
) -> str:
    """The body of the SNS message; what the run handed off or skipped for lack of time is said."""
    totals = report["totals"]
    lines = [
        f"Daily log review for {report['date']} (UTC), revision {report['revision']}",
        f"events {number(totals['events'])}, errors {number(totals['errors'])} "
        f"({percent(totals['error_rate'])}), security events {number(totals['security_events'])}",
        counts_line(report),
        "",
        "Needs attention:",
        *(f"  {line}" for line in attention_lines(report, ATTENTION_WIDTH)),
        "",
        f"Alerts ({len(report['alerts'])}):",
    ]
    lines += [f"  ! {inert(describe_alert(a), 200)}" for a in report["alerts"][:MAX_ALERTS]]
    if len(report["alerts"]) > MAX_ALERTS:
        lines.append(f"  ... and {len(report['alerts']) - MAX_ALERTS} more in the report")
    if not report["alerts"]:
        lines.append("  none")
    lines += ["", "Report objects:", *(f"  {location}" for location in locations)]
    lines += ["", link_heading(link), f"  {link.url}"]
    if revised:
        lines += ["", "Earlier reports revised for late data:"]
        lines += [
            f"  {r['date']}: revision {r['revision']}, {number(r['late_data']['partials'])} late partial(s)"
            for r in revised
        ]
    if handed_off:
        lines += ["", "Earlier days with late data, regenerated in runs of their own (a summary if changed):"]
        lines += [f"  {day.isoformat()}" for day in handed_off]
    if skipped:
        lines += ["", "Not done in this run (time):", *(f"  {why}" for why in skipped)]
    return "\n".join(lines) + "\n"
