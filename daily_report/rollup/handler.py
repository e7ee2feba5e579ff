"""Rollup Lambda entry point (thin): which hours, then `Roller` for each, then the `RollupHours` metric."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from stream_processor.observability import annotate, lambda_entry, logger
from stream_processor.sinks.metrics import metrics_namespace

from .roller import HourResult, event_hours, format_hour, from_environment, roll_up_hours


def _emit(results: list[HourResult]) -> None:
    """`RollupHours` (hours rolled up, written or unchanged): the missing-rollup alarm watches it."""
    metrics = EphemeralMetrics(namespace=metrics_namespace(), service="")
    metrics.add_metric(name="RollupHours", unit=MetricUnit.Count, value=len(results))
    metrics.add_metric(
        name="RollupPartialsFetched", unit=MetricUnit.Count, value=sum(r.fetched for r in results)
    )
    metrics.flush_metrics()


@lambda_entry
def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    hours = event_hours(event)
    annotate(rollup_hours=len(hours), rollup_first=format_hour(*hours[0]))
    token = event.get("token")
    results = roll_up_hours(from_environment(), hours, token=token if isinstance(token, str) else None)
    _emit(results)
    summary = {"hours": [r.summary() for r in results]}
    logger.info("rollup done", extra=summary)
    return summary
