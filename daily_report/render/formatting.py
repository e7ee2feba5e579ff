"""How values read in every rendering of a report (text, HTML, SNS message): pure, no layout.

Log text is already redacted; `inert` also makes it harmless for a terminal: control characters
(escape sequences, carriage returns, bidirectional overrides) are shown as `\\xNN` or `?`, and
long text is cut.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# The first-seen lists of a log group's section: (field, label).
FIRST_SEEN = (
    ("new_principals", "new principals"),
    ("new_actions", "new actions"),
    ("new_error_signatures", "new error signatures"),
)


def inert(text: str, limit: int = 300) -> str:
    """One line of log text that cannot move a cursor, recolour a terminal or break a line."""
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else "?", text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def percent(value: float) -> str:
    return f"{value * 100:.2f} %"


def number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def folded_note(group: Mapping[str, Any], counter: str) -> str | None:
    """What a top list leaves out when its counter went past the cap, or None when it is complete."""
    entry = group.get("folded", {}).get(counter)
    if not entry:
        return None
    return (
        f"{number(entry['events'])} events of about {number(entry['keys'])} more keys folded into 'other' "
        f"(past the {number(entry['kept'])}-key sample; counts shown are exact, and no folded key "
        f"has more than {number(entry['events'])} events, but one may outrank those shown)"
    )


def describe_alert(alert: Mapping[str, Any]) -> str:
    """`/admin/logs: error_rate 7.10 % > 5.00 %` and friends (inert, one line)."""
    group, rule, value = inert(alert["log_group"], 80), alert["rule"], alert["value"]
    if rule == "error_rate":
        return f"{group}: error rate {percent(value)} > {percent(alert['threshold'])}"
    if rule == "latency_p99":
        return f"{group}: latency p99 {number(value)} ms > {number(alert['threshold'])} ms"
    if rule == "security_event":
        return f"{group}: {number(value)} security event(s) {alert['security_rule']}"
    if rule == "silent_hours":
        hours = ", ".join(f"{h:02d}" for h in alert.get("hours", []))
        return f"{group}: silent for {value} consecutive hours (alert at {alert['threshold']}; hours {hours})"
    return f"{group}: {rule} {value} (threshold {alert['threshold']})"
