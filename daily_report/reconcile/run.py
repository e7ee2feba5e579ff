"""One reconciliation run: a day's stored report against CloudWatch, for each log group.

Shared by `logreview reconcile` and the daily job (which emits the `ReconcileGap` metric).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from stream_processor.config import Config
from stream_processor.onboard.selection import Selection

from .cloudwatch import CloudWatchCounts
from .compare import GroupResult, compare, gap_total, hourly_events, recovery_commands

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

GAP_METRIC = "ReconcileGap"


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The outcome for one day: per group, and the recovery commands of the short hours."""

    day: date
    results: Sequence[GroupResult]
    commands: Sequence[str]

    @property
    def gap(self) -> int:
        return gap_total(self.results)

    def lines(self) -> list[str]:
        """A human summary: one line per group, one per differing hour, then the commands."""
        out = []
        for result in self.results:
            out.append(
                f"{result.log_group}: {result.status} (CloudWatch source: {result.source}; "
                f"delivery errors {result.delivery_errors:,}, throttled {result.delivery_throttling:,})"
            )
            for hour in result.gaps:
                theirs = "no data" if hour.theirs is None else f"{hour.theirs:,}"
                out.append(
                    f"  {self.day.isoformat()} {hour.hour:02d}:00  ours {hour.ours:,}  CloudWatch {theirs}"
                    f"  {hour.status} by {abs(hour.difference):,}"
                )
        if self.commands:
            out.append("To recover the short hours:")
            out.extend(f"  {command}" for command in self.commands)
        return out


def reconciled_groups(config: Config, report: Mapping[str, Any], listed: Iterable[str]) -> list[str]:
    """The groups a day is reconciled for: the named ones in the configuration's order, then, by
    name, the prefix groups that exist now (`listed`) or that the day's report holds (one deleted
    since still has CloudWatch's counts of that day)."""
    selection = Selection(prefixes=config.log_group_prefixes)
    held = report.get("log_groups")
    found = set(listed) | {
        name for name in (held if isinstance(held, Mapping) else ()) if selection.selects(name)
    }
    named = config.log_groups
    return [*named, *sorted(found - set(named))]


def reconcile_day(
    day: date,
    report: dict[str, Any],
    groups: Sequence[str],
    counts: CloudWatchCounts,
    bucket: str,
    tolerance: float = 0.0,
    failure_queue: str | None = None,
    wait: Callable[[], float] | None = None,
) -> Reconciliation:
    """Each group's hours against CloudWatch's; `wait()`, when given, says how long the group's
    Insights query (if one is needed) may still wait: the run's budget, read group by group."""
    results = [
        compare(hourly_events(report, group), counts.expected(group, day, wait and wait()), tolerance)
        for group in groups
    ]
    commands = [
        command for result in results for command in recovery_commands(result, day, bucket, failure_queue)
    ]
    return Reconciliation(day, results, commands)


def failure_queue_url() -> str | None:
    """The processor's failure queue (where failed invocations wait), when the stack names it."""
    return os.environ.get("FAILURE_QUEUE_URL") or None


def publish_gap(client: CloudWatchClient, namespace: str, found: Reconciliation, now: datetime) -> None:
    """`ReconcileGap` (events CloudWatch forwarded that the report lacks), stamped now."""
    client.put_metric_data(
        Namespace=namespace,
        MetricData=[{"MetricName": GAP_METRIC, "Value": found.gap, "Unit": "Count", "Timestamp": now}],
    )
