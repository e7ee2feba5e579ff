"""The text report (`log_review.gz`): what a reviewer reads first, in a terminal or a pager.

Pure. Log text is already redacted; every piece of it goes through `formatting.inert`, so it
cannot drive a terminal. Lines a reviewer must read in full (incident timelines, admin commands,
security samples) are kept whole up to `formatting.LINE_LIMIT`; summaries are cut to the width.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..report import Report
from .formatting import LINE_LIMIT, describe_alert, folded_note, inert, number, percent
from .groups import TOP_GROUPS, limited, rest_line, silent_line
from .incidents import admin_lines, admin_total, exception_lines, incident_lines
from .origins import text_lines as origin_lines
from .review import attention_lines, change_lines

WIDTH = 100
HOURLY_COLUMNS = 6


def _heading(title: str) -> list[str]:
    return ["", title.upper(), "-" * len(title)]


def _summary(report: Report) -> Iterator[str]:
    yield from _heading("Summary")
    yield (
        f"{'log group':<28}{'events':>10}{'errors':>9}{'err rate':>10}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'security':>10}"
    )
    rows = list(report["log_groups"].items())
    for name, group in rows:
        lat = group["latency_ms"] or {}
        yield (
            f"{inert(name, 27):<28}{number(group['events']):>10}{number(group['errors']):>9}"
            f"{percent(group['error_rate']):>10}{number(lat.get('p50')):>9}{number(lat.get('p95')):>9}"
            f"{number(lat.get('p99')):>9}{number(group['security_events_total']):>10}"
        )
    yield from _other_groups(report)
    totals = report["totals"]
    yield (
        f"{'total':<28}{number(totals['events']):>10}{number(totals['errors']):>9}"
        f"{percent(totals['error_rate']):>10}{'':>27}{number(totals['security_events']):>10}"
    )
    if not totals["events"]:
        yield "no events: nothing reached the stream processor for this day"


def _other_groups(report: Report) -> Iterator[str]:
    """The groups the summary leaves out, and the expected groups that were silent all day."""
    for line in (rest_line(report), silent_line(report)):
        if line:
            yield inert(line, 2 * WIDTH)


def _origins(report: Report) -> Iterator[str]:
    """Per owner account and per region, when the day has more than one (see `origins`)."""
    lines = list(origin_lines(report))
    if lines:
        yield from _heading("Accounts and regions")
        yield from lines


def _alerts(report: Report) -> Iterator[str]:
    yield from _heading(f"Alerts ({len(report['alerts'])})")
    if not report["alerts"]:
        yield "none"
    for alert in report["alerts"]:
        yield "! " + describe_alert(alert)


def _security(report: Report) -> Iterator[str]:
    yield from _heading("Security events")
    yield "(distinct events in the summary; per rule below, an event matching two rules counts under both)"
    any_found = False
    for name, group in report["log_groups"].items():
        for rule, count in group["security_events"].items():
            if not count:
                continue
            any_found = True
            yield f"{inert(name, 60)}  {rule}: {number(count)}"
            for sample in group["security_samples"].get(rule, []):
                yield f"    {sample['time']}  {inert(sample['text'], LINE_LIMIT)}"
    if not any_found:
        yield "none"


def _errors(report: Report) -> Iterator[str]:
    yield from _heading("Top error signatures")
    for name, group in report["log_groups"].items():
        yield f"{inert(name, 80)}" + ("" if group["top_errors"] else ": none")
        for entry in group["top_errors"]:
            yield f"  {number(entry['count']):>8}  {inert(entry['signature'], WIDTH - 12)}"
            yield f"{'':>12}e.g. {entry['first_seen']}  {inert(entry['sample'], WIDTH - 20)}"
        if note := folded_note(group, "error_signatures"):
            yield f"  other: {note}"


def _ranked(report: Report) -> Iterator[str]:
    yield from _heading("Top principals and actions")
    for name, group in report["log_groups"].items():
        for kind in ("principals", "actions"):
            entries = group[f"top_{kind}"]
            listed = ", ".join(f"{inert(e['name'], 60)} ({number(e['count'])})" for e in entries)
            yield f"{inert(name, 40)} {kind}: {listed or 'none'}"
            if note := folded_note(group, kind):
                yield f"  other {kind}: {note}"


def _hourly(report: Report) -> Iterator[str]:
    yield from _heading("Hourly events (errors)")
    names = list(report["log_groups"])[:HOURLY_COLUMNS]  # a terminal's width; the HTML charts all
    if len(report["log_groups"]) > HOURLY_COLUMNS:
        shown = len(report["log_groups"])
        yield f"(the first {HOURLY_COLUMNS} of the {shown} groups above; the HTML report charts each)"
    yield "hour " + "".join(f"{inert(n, 21):>22}" for n in names)
    for hour in range(24):
        cells = []
        for name in names:
            counts = report["log_groups"][name]["hourly"][hour]
            cells.append(f"{number(counts['events'])} ({number(counts['errors'])})")
        yield f"{hour:02d}   " + "".join(f"{cell:>22}" for cell in cells)


def _silent(report: Report) -> Iterator[str]:
    yield from _heading("Silent hours")
    for name, group in report["log_groups"].items():
        hours = group["silent_hours"]
        shown = (
            "none" if not hours else ("all 24" if len(hours) == 24 else ", ".join(f"{h:02d}" for h in hours))
        )
        yield f"{inert(name, 60)}: {shown}"


def _processing(report: Report) -> Iterator[str]:
    yield from _heading("Processing")
    late = report.get("late_data") or {}
    yield (
        f"partial objects read: {number(report['partials'])}   "
        f"distinct CloudWatch batches: {number(report['batches'])}"
    )
    yield f"revision: {report['revision']}   generated at: {report['generated_at']}"
    if late.get("since_revision"):
        arrived = number(late["partials"])
        yield f"late data: {arrived} partial(s) arrived after revision {late['since_revision']}"
    else:
        yield "late data: none (first revision)"
    folded = report["totals"]["folded_events"]
    yield (
        f"folded into 'other' past the counter caps: {number(folded)} events (totals stay exact)"
        if folded
        else "folded into 'other': none (every top list is complete and exact)"
    )


def _attention(report: Report) -> Iterator[str]:
    yield from _heading("Needs attention")
    yield from attention_lines(report, LINE_LIMIT)


def _incidents(report: Report) -> Iterator[str]:
    yield from _heading(f"Incidents ({len(report.get('incidents', []))})")
    yield from incident_lines(report)


def _admin(report: Report) -> Iterator[str]:
    yield from _heading(f"Admin actions ({number(admin_total(report))})")
    yield from admin_lines(report)


def _exceptions(report: Report) -> Iterator[str]:
    yield from _heading("Suppressed by exception")
    yield from exception_lines(report)


def _changes(report: Report) -> Iterator[str]:
    yield from _heading("Changes against the baseline, and first seen")
    yield from change_lines(report, WIDTH)


def render_text(report: Report, top_groups: int = TOP_GROUPS) -> str:
    """The whole text report: what needs attention first, then the day in full (at most
    `top_groups` log groups in full, see `groups`)."""
    report = limited(report, top_groups)
    title = f"logreview daily review: {report['date']} (UTC), revision {report['revision']}"
    lines = [title, "=" * len(title)]
    first = (_attention, _incidents, _admin, _exceptions, _summary, _origins, _alerts, _changes)
    sections = (*first, _security, _errors, _ranked, _hourly, _silent)
    for section in (*sections, _processing):
        lines.extend(section(report))
    return "\n".join(lines) + "\n"
