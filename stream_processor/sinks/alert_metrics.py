"""What the alert sink tells CloudWatch about one invocation (EMF, namespace LogProcessor).

`Detections` (new ones, i.e. notified: no repeats, redeliveries or replays) by Severity and by
Rule, the dimensions the template's alarms watch; `SuppressedRepeats`, `UntrackedDetectionKeys`;
and `SideChannelFailures` whenever the side channels ran (0, or the deliveries EventBridge or
Security Hub refused; alarm `AlertSideChannelFailures`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from ..alerting.detections import Detection
from ..alerting.render import Notification
from .metrics import metrics_namespace


@dataclass(slots=True)
class AlertTally:
    """What the sink did with one invocation's detections."""

    outcomes: Counter[str] = field(default_factory=Counter)
    published: list[Notification] = field(default_factory=list)
    untracked: int = 0
    side_channel_failures: dict[str, int] = field(default_factory=dict)


def emit_metrics(tally: AlertTally, notified: Sequence[Detection]) -> None:
    """The invocation's alert metrics; `notified`: the detections this invocation notified."""
    by_severity: Counter[str] = Counter(d.severity for d in notified)
    by_rule: Counter[str] = Counter(d.rule for d in notified)
    groups: dict[str, str] = {}
    for detection in notified:
        groups.setdefault(detection.severity, detection.log_group)
        groups.setdefault(detection.rule, detection.log_group)
    for name, counts in (("Severity", by_severity), ("Rule", by_rule)):
        for value, count in sorted(counts.items()):
            metrics = EphemeralMetrics(namespace=metrics_namespace(), service="")
            metrics.add_dimension(name=name, value=value)
            metrics.add_metric(name="Detections", unit=MetricUnit.Count, value=count)
            metrics.add_metadata(key="LogGroup", value=groups[value])  # a property, not a dimension
            metrics.flush_metrics()
    untracked = tally.untracked + tally.outcomes["untracked"]
    if tally.outcomes["repeat"] or untracked or tally.published:
        metrics = EphemeralMetrics(namespace=metrics_namespace(), service="")
        metrics.add_metric(name="SuppressedRepeats", unit=MetricUnit.Count, value=tally.outcomes["repeat"])
        metrics.add_metric(name="UntrackedDetectionKeys", unit=MetricUnit.Count, value=untracked)
        if tally.published:  # the side channels ran: 0, or the deliveries they refused
            failures = sum(tally.side_channel_failures.values())
            metrics.add_metric(name="SideChannelFailures", unit=MetricUnit.Count, value=failures)
        metrics.flush_metrics()
