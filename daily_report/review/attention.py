"""Needs attention: one ranked list of what a reviewer should look at first (pure).

Merges the day's alerts, the flagged changes against the baseline and the first-seen items.
Order: security alerts, new principals that took part in a security event, other alerts,
changes (largest deviation first), then other first-seen items; at most `LIMIT` entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LIMIT = 12


def _describe_change(change: Mapping[str, Any]) -> str:
    ratio = f" ({change['ratio']}× the usual)" if change.get("ratio") not in (None, 0) else ""
    return (
        f"{change['metric']} {change['direction']}: {change['value']} vs usual {change['reference']}{ratio}"
    )


def needs_attention(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ranked entries: {rank, kind, log_group, text}."""
    ranked: list[tuple[int, float, str, dict[str, Any]]] = []
    for alert in report["alerts"]:
        tier = 0 if alert["rule"] == "security_event" else 2
        what = alert.get("security_rule") or alert["rule"]
        text = f"alert {what}: {alert['value']} (threshold {alert['threshold']})"
        ranked.append((tier, -float(alert["value"]), alert["log_group"], {"kind": "alert", "text": text}))
    for group, section in sorted(report["log_groups"].items()):
        for change in section.get("changes", []):
            entry = {"kind": "change", "text": _describe_change(change)}
            ranked.append((3, -float(change["score"]), group, entry))
        for field, label in (
            ("new_principals", "new principal"),
            ("new_actions", "new action"),
            ("new_error_signatures", "new error signature"),
        ):
            for item in section.get(field, []):
                tier = 1 if item["security"] and field == "new_principals" else 4
                security = " (in a security event)" if item["security"] else ""
                entry = {
                    "kind": "first_seen",
                    "text": f"{label} {item['name']}: {item['count']} events{security}",
                }
                ranked.append((tier, -float(item["count"]), group, entry))
    ranked.sort(key=lambda item: (item[0], item[1], item[2], item[3]["text"]))
    return [
        {"rank": rank, "log_group": group, **entry}
        for rank, (_, _, group, entry) in enumerate(ranked[:LIMIT], 1)
    ]
