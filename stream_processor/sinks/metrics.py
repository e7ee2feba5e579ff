"""The metrics sink: CloudWatch EMF lines through Powertools (namespace LogProcessor, DESIGN §10).

Latency goes out as a distribution so p95/p99 alarms work. EMF takes at most 100 values per
metric in one object, so a batch with more latencies sends 99 evenly spaced quantiles of its
histogram (exact percentiles are the daily report's job).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from .. import aggregate
from ..histogram import quantile

NAMESPACE = "LogProcessor"
MAX_VALUES = 99  # Powertools flushes on the 100th value; stay under it for one object


def metrics_namespace() -> str:
    """`POWERTOOLS_METRICS_NAMESPACE`, else `LogProcessor`: the namespace the alarms watch."""
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE


def latency_values(latency: dict[str, Any]) -> list[float]:
    """Up to 99 values that stand for the latency histogram of one batch."""
    count = latency["count"]
    if count == 0:
        return []
    points = min(count, MAX_VALUES)
    values = []
    for i in range(points):
        found = quantile(latency["buckets"], (i + 0.5) / points, latency["min"], latency["max"])
        if found is not None:
            values.append(found)
    return values


class MetricsSink:
    """Emits one EMF object per log group per batch, plus dimensionless failure counters."""

    def _metrics(self) -> EphemeralMetrics:
        # service="" keeps Powertools from adding a `service` dimension the alarms do not use
        return EphemeralMetrics(namespace=metrics_namespace(), service="")

    def batch(self, partials: list[aggregate.Partial], processing_ms: float) -> None:
        hours_by_group: dict[str, list[aggregate.Window]] = {}
        for partial in partials:  # one per UTC day: a batch crossing midnight has two
            for group, hours in partial["windows"].items():
                hours_by_group.setdefault(group, []).extend(hours.values())
        for group, hours_of_group in hours_by_group.items():
            window = aggregate.combine(hours_of_group)
            metrics = self._metrics()
            metrics.add_dimension(name="LogGroup", value=group)
            metrics.add_metric(name="EventCount", unit=MetricUnit.Count, value=window["events"])
            metrics.add_metric(name="ErrorCount", unit=MetricUnit.Count, value=window["errors"])
            security = aggregate.security_events(window)  # distinct events, not rule hits
            metrics.add_metric(name="SecurityEventCount", unit=MetricUnit.Count, value=security)
            metrics.add_metric(name="ProcessingTime", unit=MetricUnit.Milliseconds, value=processing_ms)
            for value in latency_values(window["latency"]):
                metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=value)
            metrics.flush_metrics()

    def decode_failure(self) -> None:
        metrics = self._metrics()
        metrics.add_metric(name="DecodeFailures", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="QuarantinedBatches", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
