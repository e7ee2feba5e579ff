"""The near-real-time alarms, evaluated on the StreamProcessor's EMF metrics hour by hour (pure).

In AWS the handler's EMF lines become CloudWatch metrics (EventCount, ErrorCount, Latency per
LogGroup; Detections per Severity) and alarms watch them. The demo replays a day in a minute, so it
reads the same EMF objects from the handler's output and applies the same rules, with the
configured thresholds, per hour of log time: error rate (ErrorCount / EventCount), p99 of the
Latency values, critical/high detections notified (each also went to the alert topic as its own
message), and an hour without events (which the silent-log-group alarm raises only after several
such hours).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..sinks.metrics import emf_values, percentile

PAGING = ("critical", "high")
MIN_EVENTS_FOR_RATE = 20  # an error rate over a handful of events says nothing
HOUR_MS = 3_600_000


@dataclass(slots=True)
class HourMetrics:
    """One log group's metrics in one hour, summed over the EMF objects."""

    events: float = 0.0
    errors: float = 0.0
    detections: float = 0.0  # critical and high, as the HighSeverityDetections alarm sums them
    latency: list[tuple[float, float]] = field(default_factory=list)  # (value, events)

    def p99(self) -> float | None:
        """Nearest-rank 99th percentile of the weighted Latency values (what a p99 statistic reports)."""
        return percentile(self.latency, 0.99)


def emf_objects(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The EMF objects among output lines (other lines, such as logs, are skipped)."""
    found = []
    for line in lines:
        if '"_aws"' not in line:
            continue
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("_aws"), dict):
            found.append(doc)
    return found


def _values(value: object) -> list[float]:
    items = value if isinstance(value, list) else [value]
    return [float(v) for v in items if isinstance(v, int | float) and not isinstance(v, bool)]


@dataclass(frozen=True, slots=True)
class Alert:
    """One alarm (or notice) for one log group in one hour."""

    hour_ms: int  # start of the hour, epoch ms (UTC)
    log_group: str
    rule: str  # error_rate | latency_p99 | detections | silent
    value: float
    threshold: float
    detail: str

    @property
    def is_alarm(self) -> bool:
        return self.rule != "silent"

    def line(self) -> str:
        tag = "ALERT" if self.is_alarm else "note "
        when = time.strftime("%H:%M", time.gmtime(self.hour_ms // 1000))
        return f"{tag}  {when}  {self.log_group:<15} {self.detail}"


def summarise(alerts: Sequence[Alert]) -> list[str]:
    """One line per (log group, rule) for a day of alerts: how many hours, and the worst one."""
    by_rule: dict[tuple[str, str], list[Alert]] = {}
    for alert in alerts:
        by_rule.setdefault((alert.log_group, alert.rule), []).append(alert)
    lines = []
    for (group, _), found in sorted(by_rule.items()):
        worst = max(found, key=lambda a: (a.value, -a.hour_ms)) if found[0].is_alarm else found[0]
        tag = "ALERT" if worst.is_alarm else "note "
        hour = time.strftime("%H:%M", time.gmtime(worst.hour_ms // 1000))
        lines.append(f"{tag}  {len(found):>2} h    {group:<15} worst {hour}: {worst.detail}")
    return lines


@dataclass(slots=True)
class AlertWatch:
    """Sums EMF metrics per (log group, hour); `close` evaluates an hour."""

    log_groups: Sequence[str]
    error_rate: float
    latency_ms: float
    silent_after_hours: int = 6
    report_silence: bool = True
    hours: dict[tuple[str, int], HourMetrics] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)

    def add(self, hour_ms: int, objects: Iterable[dict[str, Any]]) -> None:
        """EMF objects emitted while processing the batches of the hour starting at `hour_ms`."""
        for doc in objects:
            group = doc.get("LogGroup")
            if not isinstance(group, str):
                continue  # DecodeFailures and other dimensionless metrics
            metrics = self.hours.setdefault((group, hour_ms), HourMetrics())
            metrics.events += sum(_values(doc.get("EventCount", [])))
            metrics.errors += sum(_values(doc.get("ErrorCount", [])))
            if doc.get("Severity") in PAGING:
                metrics.detections += sum(_values(doc.get("Detections", [])))
            metrics.latency.extend(emf_values(doc, "Latency"))

    def close(self, hour_ms: int) -> list[Alert]:
        """Alerts for every log group in the hour starting at `hour_ms`."""
        alerts: list[Alert] = []
        for group in self.log_groups:
            metrics = self.hours.get((group, hour_ms))
            if metrics is None or metrics.events == 0:
                if self.report_silence and group in self._seen:
                    hours = self.silent_after_hours
                    detail = f"no events this hour (the silent-log-group alarm needs {hours} such hours)"
                    alerts.append(Alert(hour_ms, group, "silent", 0, 1, detail))
                continue
            self._seen.add(group)
            alerts.extend(self._evaluate(hour_ms, group, metrics))
        return alerts

    def _evaluate(self, hour_ms: int, group: str, metrics: HourMetrics) -> list[Alert]:
        found: list[Alert] = []
        rate = metrics.errors / metrics.events
        if metrics.events >= MIN_EVENTS_FOR_RATE and rate > self.error_rate:
            counts = f"{metrics.errors:,.0f} of {metrics.events:,.0f}"
            detail = f"error rate {rate:.1%} ({counts}) > {self.error_rate:.1%}"
            found.append(Alert(hour_ms, group, "error_rate", rate, self.error_rate, detail))
        p99 = metrics.p99()
        if p99 is not None and p99 > self.latency_ms:
            detail = f"p99 latency {p99:,.0f} ms > {self.latency_ms:,.0f} ms"
            found.append(Alert(hour_ms, group, "latency_p99", p99, self.latency_ms, detail))
        if metrics.detections > 0:
            detail = f"{metrics.detections:,.0f} new critical/high detection(s) (HighSeverityDetections > 0)"
            found.append(Alert(hour_ms, group, "detections", metrics.detections, 0, detail))
        return found
