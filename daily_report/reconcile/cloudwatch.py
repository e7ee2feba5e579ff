"""CloudWatch's own hourly counts of a log group's day (the I/O half of reconciliation).

`prefixed` lists the groups under `LogConfig.LogGroupPrefixes`. Metrics first: `AWS/Logs`
`ForwardedLogEvents` for the subscription filters that deliver to us (by name prefix), else
`IncomingLogEvents`; subscription `DeliveryErrors`/`DeliveryThrottling` for the notes. When
CloudWatch has no datapoint at all for the day, a Logs Insights `stats count(*) by bin(1h)`
query, bounded by `QueryTimeoutSeconds`, counts the group itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from stream_processor.aggregate import HOURS
from stream_processor.observability import logger
from stream_processor.onboard.selection import Selection
from stream_processor.onboard.subscriber import prefixed_groups

from .compare import Expected

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_logs import CloudWatchLogsClient

NAMESPACE = "AWS/Logs"
INSIGHTS_QUERY = "stats count(*) as events by bin(1h) as hour"


class CloudWatchCounts:
    """Reads `AWS/Logs` metrics (and, as a fallback, Logs Insights) for one day."""

    def __init__(
        self,
        cloudwatch: CloudWatchClient,
        logs: CloudWatchLogsClient,
        filter_prefix: str = "",
        query_timeout: float = 300,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cloudwatch = cloudwatch
        self.logs = logs
        self.filter_prefix = filter_prefix
        self.query_timeout = query_timeout
        self.sleep = sleep
        self.clock = clock

    def prefixed(self, prefixes: Sequence[str]) -> set[str]:
        """The groups that exist now under `prefixes` (DescribeLogGroups, paginated), less the
        stack's own function log groups (`/aws/lambda/<filter prefix>`: never subscribed)."""
        own = f"/aws/lambda/{self.filter_prefix}" if self.filter_prefix else ""
        selection = Selection(prefixes=tuple(prefixes), own_prefix=own)
        return {group for group in prefixed_groups(self.logs, prefixes) if not selection.own(group)}

    def expected(self, log_group: str, day: date, wait: float | None = None) -> Expected:
        """CloudWatch's counts of the group's day; an Insights query waits at most `wait` seconds
        (the run's budget), never more than `query_timeout`."""
        filters = self._filter_dimensions(log_group)
        forwarded = self._sum_series("ForwardedLogEvents", filters, day)
        errors = _total(self._sum_series("DeliveryErrors", filters, day))
        throttled = _total(self._sum_series("DeliveryThrottling", filters, day))
        if any(value is not None for value in forwarded):
            return Expected(log_group, "ForwardedLogEvents", forwarded, errors, throttled)
        incoming = self._sum_series("IncomingLogEvents", [[_dim("LogGroupName", log_group)]], day)
        if any(value is not None for value in incoming):
            return Expected(log_group, "IncomingLogEvents", incoming, errors, throttled)
        most = self.query_timeout if wait is None else min(wait, self.query_timeout)
        if most <= 0:
            logger.warning("insights query skipped: no time left", extra={"log_group": log_group})
            return Expected(log_group, "none", [None] * len(HOURS), errors, throttled)
        counted = self._insights(log_group, day, most)
        if counted is not None:
            return Expected(log_group, "insights", counted, errors, throttled)
        return Expected(log_group, "none", [None] * len(HOURS), errors, throttled)

    def _filter_dimensions(self, log_group: str) -> list[list[dict[str, str]]]:
        """Dimension sets of the group's subscription-filter metrics that belong to us."""
        found: list[list[dict[str, str]]] = []
        paginator = self.cloudwatch.get_paginator("list_metrics")
        group: Any = [_dim("LogGroupName", log_group)]
        pages = paginator.paginate(Namespace=NAMESPACE, MetricName="ForwardedLogEvents", Dimensions=group)
        for page in pages:
            for metric in page.get("Metrics", []):
                dims = [_dim(d["Name"], d["Value"]) for d in metric.get("Dimensions", [])]
                names = {d["Name"]: d["Value"] for d in dims}
                mine = "FilterName" in names and names["FilterName"].startswith(self.filter_prefix)
                if mine and dims not in found:  # a metric may be listed more than once
                    found.append(dims)  # in the order CloudWatch lists them
        return found or [[_dim("LogGroupName", log_group)]]

    def _sum_series(
        self, metric: str, dimension_sets: Sequence[list[dict[str, str]]], day: date
    ) -> list[int | None]:
        """Hourly sums of `metric` over the dimension sets (None where no set has a datapoint)."""
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        queries: list[Any] = [
            {
                "Id": f"m{index}",
                "MetricStat": {
                    "Metric": {"Namespace": NAMESPACE, "MetricName": metric, "Dimensions": dims},
                    "Period": 3600,
                    "Stat": "Sum",
                },
                "ReturnData": True,
            }
            for index, dims in enumerate(dimension_sets)
        ]
        hourly: list[int | None] = [None] * len(HOURS)
        paginator = self.cloudwatch.get_paginator("get_metric_data")
        for page in paginator.paginate(
            MetricDataQueries=queries, StartTime=start, EndTime=start + timedelta(days=1)
        ):
            for series in page.get("MetricDataResults", []):
                for stamp, value in zip(series.get("Timestamps", []), series.get("Values", []), strict=False):
                    hour = int((stamp - start).total_seconds() // 3600)
                    if hour in HOURS:
                        hourly[hour] = (hourly[hour] or 0) + round(value)
        return hourly

    def _insights(self, log_group: str, day: date, wait: float) -> list[int | None] | None:
        """Counts from a Logs Insights query, or None when it fails or runs past `wait` seconds."""
        start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        try:
            query_id = self.logs.start_query(
                logGroupName=log_group, startTime=start, endTime=start + 86_399, queryString=INSIGHTS_QUERY
            )["queryId"]
        except self.logs.exceptions.ClientError:
            return None
        deadline = self.clock() + wait
        while self.clock() < deadline:
            answer = self.logs.get_query_results(queryId=query_id)
            if answer["status"] == "Complete":
                return insights_hours(answer.get("results", []), day)
            if answer["status"] in ("Failed", "Cancelled", "Timeout", "Unknown"):
                return None
            self.sleep(min(1.0, max(0.0, deadline - self.clock())))
        logger.warning(
            "insights query stopped", extra={"log_group": log_group, "date": day.isoformat(), "waited": wait}
        )
        try:  # best effort: an unstopped query ends by itself (after 60 min), the run goes on
            self.logs.stop_query(queryId=query_id)
        except (BotoCoreError, ClientError) as exc:
            logger.warning("insights query not stopped", extra={"log_group": log_group, "error": str(exc)})
        return None


def insights_hours(rows: Sequence[Sequence[Mapping[str, Any]]], day: date) -> list[int | None] | None:
    """`stats count(*) as events by bin(1h) as hour` rows → 24 hourly counts (None: no rows)."""
    hourly: list[int | None] = [0] * len(HOURS)
    seen = False
    for row in rows:
        fields = {cell.get("field"): cell.get("value") for cell in row}
        when, count = fields.get("hour"), fields.get("events")
        if not isinstance(when, str) or count is None:
            continue
        moment = datetime.fromisoformat(when.replace(" ", "T")).replace(tzinfo=UTC)
        if moment.date() == day:
            hourly[moment.hour] = int(float(count))
            seen = True
    return hourly if seen else None


def _dim(name: str, value: str) -> dict[str, str]:
    return {"Name": name, "Value": value}


def _total(values: Sequence[int | None]) -> int:
    return sum(value or 0 for value in values)
