"""Needs attention: one ranked list of what a reviewer should look at first (pure).

It does not repeat the alert list (the report has that on its own). Order: incidents (correlated
detections, most severe first, then by time), expired exceptions (approved activity that is
notified again: renew or remove them), delivery problems (an expected log group silent past
`Report.SilentHours`), new principals that took part in a security event, changes against the
baseline (largest deviation first), then other first-seen items; at most `LIMIT` entries.
Numbers are written by `render.formatting`, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..render.formatting import describe_change, moment, number

LIMIT = 20
SEVERITY_ORDER = ("critical", "high", "medium", "low")
FIRST_SEEN_LABELS = (
    ("new_principals", "new principal"),
    ("new_actions", "new action"),
    ("new_error_signatures", "new error signature"),
)


LISTED = 5  # principals, sources or hosts named in one line; the incident section lists them all


def _listed(label: str, values: Any) -> str:
    found = [str(v) for v in (values or [])]
    more = f" and {number(len(found) - LISTED)} more" if len(found) > LISTED else ""
    return f"; {label} {', '.join(found[:LISTED])}{more}" if found else ""


def incident_text(incident: Mapping[str, Any]) -> str:
    """`brute force … [id]: 2026-12-05 03:17:03 to 03:21:50, 59 events; principals deploy; …`."""
    first, last = moment(incident.get("first")), moment(incident.get("last"))
    until = last[11:] if last[:10] == first[:10] else last
    return (
        f"{incident.get('title', incident.get('kind', 'incident'))} [{incident.get('id', '-')}]: "
        f"{first} to {until}, {number(int(incident.get('events', 0)))} events"
        f"{_listed('principals', incident.get('principals'))}{_listed('sources', incident.get('sources'))}"
        f"{_listed('hosts', incident.get('hosts'))}"
    )


def incident_groups(incident: Mapping[str, Any]) -> str:
    """The log groups of an incident (its `log_groups`, else its timeline's), comma-separated."""
    groups = incident.get("log_groups") or [e.get("log_group", "") for e in incident.get("timeline", [])]
    return ", ".join(sorted({str(group) for group in groups} - {""}))


def _severity(value: object) -> int:
    return SEVERITY_ORDER.index(value) if value in SEVERITY_ORDER else len(SEVERITY_ORDER)


def needs_attention(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ranked entries: {rank, kind, severity, log_group, text}."""
    ranked: list[tuple[int, tuple[float, ...], str, dict[str, Any]]] = []
    for incident in report.get("incidents", []):
        severity = incident.get("severity", "medium")
        entry = {"kind": "incident", "severity": severity, "text": incident_text(incident)}
        order = (_severity(severity), _epoch(incident.get("first")))
        ranked.append((0, order, incident_groups(incident), entry))
    for row in report.get("exceptions", []):
        if row["status"] == "expired":
            text = (
                f"exception for {row['rule']} ({row['match']}; ticket {row['ticket']}, owner {row['owner']}) "
                f"expired {moment(row['expires'])}: its activity is notified again; renew or remove it"
            )
            ranked.append((1, (), "", {"kind": "exception_expired", "severity": None, "text": text}))
    for alert in report["alerts"]:
        if alert["rule"] == "silent_hours":
            hours = ", ".join(f"{h:02d}" for h in alert.get("hours", []))
            text = f"no events for {alert['value']} consecutive hours ({hours}): check its subscription"
            ranked.append((2, (), alert["log_group"], {"kind": "delivery", "severity": None, "text": text}))
    for group, section in sorted(report["log_groups"].items()):
        for change in section.get("changes", []):
            entry = {"kind": "change", "severity": None, "text": describe_change(change)}
            ranked.append((4, (-float(change["score"]),), group, entry))
        for field, label in FIRST_SEEN_LABELS:
            for item in section.get(field, []):
                tier = 3 if item["security"] and field == "new_principals" else 5
                security = " (in a security event)" if item["security"] else ""
                text = f"{label} {item['name']}: {number(item['count'])} events{security}"
                entry = {"kind": "first_seen", "severity": None, "text": text}
                ranked.append((tier, (-float(item["count"]),), group, entry))
    ranked.sort(key=lambda item: (item[0], item[1], item[2], item[3]["text"]))
    return [
        {"rank": rank, "log_group": group, **entry}
        for rank, (_, _, group, entry) in enumerate(ranked[:LIMIT], 1)
    ]


def _epoch(value: object) -> float:
    """An incident time (epoch ms or ISO 8601) as epoch seconds, for ordering."""
    if isinstance(value, int):
        return value / 1000
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return 0.0
