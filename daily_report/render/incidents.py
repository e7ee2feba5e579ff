"""The incidents, the admin actions and what exceptions suppressed, in text and HTML (pure).

Lines and commands are shown in full (redacted, made inert, up to `LINE_LIMIT` characters): the
command of a sudo line is what a reviewer needs, so nothing here cuts at the terminal's width.
HTML gets every text through the page's `esc`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..review.attention import incident_groups, incident_text
from .formatting import LINE_LIMIT, inert, moment, number
from .trends import html_table

Report = Mapping[str, Any]
Esc = Callable[..., str]
ADMIN_KINDS = {  # the kinds of `admin_actions` rows, as a reviewer reads them
    "sudo": "sudo",
    "account": "user/group change",
    "user_change": "user change",
    "group_change": "group change",
    "iam": "IAM change",
    "iam_change": "IAM change",
    "root": "root use",
    "root_use": "root use",
}


def _rule(entry: Mapping[str, Any]) -> str:
    """A timeline entry's rule(s): a string, or a list of them."""
    rule = entry.get("rule") or entry.get("rules") or "-"
    return rule if isinstance(rule, str) else ", ".join(map(str, rule))


def _where(row: Mapping[str, Any]) -> str:
    """`bastion-a, /admin/logs i-0a4f/secure, account 123456789012 us-east-1`."""
    parts = [row.get("host"), " ".join(str(row[k]) for k in ("log_group", "stream") if row.get(k))]
    account = " ".join(str(row[k]) for k in ("account", "region") if row.get(k))
    parts.append(f"account {account}" if account else None)
    return ", ".join(str(p) for p in parts if p)


def _involved(incident: Mapping[str, Any]) -> str:
    """Everything an incident involves, every name listed: log groups, rules, principals, …"""
    names = ("rules", "principals", "sources", "hosts")
    parts = [("log groups", incident_groups(incident))]
    parts += [(name, ", ".join(map(str, incident.get(name) or []))) for name in names]
    return "; ".join(f"{name} {value or '-'}" for name, value in parts)


def _count_note(shown: int, total: int, what: str) -> str | None:
    return (
        f"{number(total - shown)} more {what} not listed (the report keeps {number(shown)})"
        if total > shown
        else None
    )


def admin_total(report: Report) -> int:
    rows = report.get("admin_actions", [])
    return int(report.get("admin_actions_total", len(rows)))


def suppressed_total(report: Report) -> int:
    return sum(int(row["count"]) for row in report.get("exceptions", []))


# --- text -----------------------------------------------------------------------------------


def incident_lines(report: Report) -> Iterator[str]:
    found = report.get("incidents", [])
    if not found:
        yield "none: no correlated activity"
    for incident in found:
        severity = str(incident.get("severity", "")).upper()
        yield inert(f"[{severity}] {incident_text(incident)}", LINE_LIMIT)
        yield "    " + inert(_involved(incident), LINE_LIMIT)
        for entry in incident.get("timeline", []):
            head = f"{moment(entry.get('time'))}  {_rule(entry)}  {entry.get('host') or '-'}"
            yield "    " + inert(f"{head}  {entry.get('line', '')}", LINE_LIMIT)


def admin_lines(report: Report) -> Iterator[str]:
    rows = report.get("admin_actions", [])
    if not rows:
        yield "none"
    for row in rows:
        kind = ADMIN_KINDS.get(row.get("kind", ""), str(row.get("kind", "")))
        yield inert(f"{moment(row.get('time'))}  {row.get('who') or '-'}  {kind}  {_where(row)}", LINE_LIMIT)
        yield "    " + inert(str(row.get("detail", "")), LINE_LIMIT)
    if note := _count_note(len(rows), admin_total(report), "admin actions"):
        yield note


def exception_lines(report: Report) -> Iterator[str]:
    rows = report.get("exceptions", [])
    if not rows:
        yield "no exceptions configured (Alerts.Exceptions)"
    for row in rows:
        state = "EXPIRED" if row["status"] == "expired" else "active until"
        yield inert(
            f"{row['rule']} [{row['match']}]: {number(row['count'])} events suppressed; {state} "
            f"{moment(row['expires'])}; ticket {row['ticket']}, owner {row['owner']}; "
            f"reason: {row['reason']}",
            LINE_LIMIT,
        )


# --- HTML -----------------------------------------------------------------------------------


def _rows(rows: list[list[str]], headers: list[str], esc: Esc, numeric: int | None = None) -> str:
    return html_table(headers, rows, esc, () if numeric is None else (numeric,))


def _nowrap(cell: str) -> str:
    return f'<span class="nw">{cell}</span>'


def incidents_html(report: Report, esc: Esc) -> str:
    found = report.get("incidents", [])
    if not found:
        return '<p class="ok">None: no correlated activity.</p>'
    parts = []
    for incident in found:
        severity = str(incident.get("severity", ""))
        title = esc(incident_text(incident), LINE_LIMIT)
        parts.append(
            f'<h3 class="incident {esc(severity)}">[{esc(severity.upper())}] {title}</h3>'
            f"<p>{esc(_involved(incident), LINE_LIMIT)}</p>"
        )
        timeline = [
            [
                _nowrap(esc(moment(e.get("time")))),
                esc(_rule(e)),
                _nowrap(esc(e.get("host") or "-")),
                esc(" ".join(str(e[k]) for k in ("log_group", "stream") if e.get(k))),
                f"<code>{esc(e.get('line', ''), LINE_LIMIT)}</code>",
            ]
            for e in incident.get("timeline", [])
        ]
        parts.append(_rows(timeline, ["time (UTC)", "rule", "host", "where", "line (redacted)"], esc))
    return "".join(parts)


def admin_html(report: Report, esc: Esc) -> str:
    rows = report.get("admin_actions", [])
    if not rows:
        return "<p>None.</p>"
    table = [
        [
            _nowrap(esc(moment(row.get("time")))),
            _nowrap(esc(row.get("who") or "-")),
            esc(ADMIN_KINDS.get(row.get("kind", ""), str(row.get("kind", "")))),
            esc(_where(row)),
            f"<code>{esc(row.get('detail', ''), LINE_LIMIT)}</code>",
        ]
        for row in rows
    ]
    note = _count_note(len(rows), admin_total(report), "admin actions")
    headers = ["when (UTC)", "who", "what", "where", "command / call (redacted, in full)"]
    return _rows(table, headers, esc) + (f"<p>{esc(note)}</p>" if note else "")


def exceptions_html(report: Report, esc: Esc) -> str:
    rows = report.get("exceptions", [])
    if not rows:
        return "<p>No exceptions configured (Alerts.Exceptions).</p>"
    table = [
        [
            esc(row["rule"]),
            esc(row["match"]),
            number(row["count"]),
            f'<span class="alert">expired {esc(moment(row["expires"]))}</span>'
            if row["status"] == "expired"
            else f"until {esc(moment(row['expires']))}",
            esc(row["ticket"]),
            esc(row["owner"]),
            esc(row["reason"]),
        ]
        for row in rows
    ]
    return _rows(
        table, ["rule", "match", "suppressed", "expires", "ticket", "owner", "reason"], esc, numeric=2
    )
