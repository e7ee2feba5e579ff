"""How values read in every rendering of a report (text, HTML, SNS message): pure, no layout.

One place for numbers: counts with thousands separators (`1,234`), latencies in ms with one
decimal (`1,380.5 ms`), rates as percentages with two (`2.42 %`), times as `YYYY-MM-DD HH:MM:SS`
UTC; `figure` picks the right one for a report metric by its name, so "needs attention", the
change lists and the SNS summary never show a raw float such as `1380.486`.

Log text is already redacted; `inert` also makes it harmless for a terminal: control characters
(escape sequences, carriage returns, bidirectional overrides) are shown as `\\xNN` or `?`, and
long text is cut (a full line or command is kept up to `LINE_LIMIT`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# The first-seen lists of a log group's section: (field, label).
FIRST_SEEN = (
    ("new_principals", "new principals"),
    ("new_actions", "new actions"),
    ("new_error_signatures", "new error signatures"),
)


LINE_LIMIT = 2048  # a log line or command shown in full up to this many characters


def inert(text: str, limit: int = 300) -> str:
    """One line of log text that cannot move a cursor, recolour a terminal or break a line."""
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else "?", text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def percent(value: float) -> str:
    """A fraction as a percentage: 0.0242 → `2.42 %`."""
    return f"{value * 100:.2f} %"


def number(value: float | None) -> str:
    """A count (`1,234`) or a measurement with one decimal (`1,380.5`); `-` for none."""
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def millis(value: float | None) -> str:
    """A latency: `1,380.5 ms`."""
    return "-" if value is None else f"{float(value):,.1f} ms"


def figure(metric: str, value: float | None) -> str:
    """A report metric's value by its name: rates as percentages, latencies in ms, counts."""
    if value is None:
        return "-"
    if metric.endswith("error_rate"):
        return percent(value)
    if metric.startswith("latency"):
        return millis(value)
    return number(int(value) if float(value).is_integer() else value)


def moment(value: int | str | None) -> str:
    """An event time (epoch ms or ISO 8601) as `YYYY-MM-DD HH:MM:SS` (UTC)."""
    if value is None:
        return "-"
    if isinstance(value, int):
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(value // 1000))
    return value.replace("T", " ")[:19]


def describe_change(change: Mapping[str, Any]) -> str:
    """`latency_p99 up: 1,380.5 ms vs usual 210.0 ms (6.6× the usual)`."""
    metric = change["metric"]
    ratio = f" ({change['ratio']}× the usual)" if change.get("ratio") not in (None, 0) else ""
    return (
        f"{metric} {change['direction']}: {figure(metric, change['value'])} "
        f"vs usual {figure(metric, change['reference'])}{ratio}"
    )


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
        return f"{group}: latency p99 {millis(value)} > {millis(alert['threshold'])}"
    if rule == "security_event":
        return f"{group}: {number(value)} security event(s) {alert['security_rule']}"
    if rule == "silent_hours":
        hours = ", ".join(f"{h:02d}" for h in alert.get("hours", []))
        return f"{group}: silent for {value} consecutive hours (alert at {alert['threshold']}; hours {hours})"
    return f"{group}: {rule} {number(value)} (threshold {number(alert['threshold'])})"
