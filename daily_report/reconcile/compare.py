"""Completeness: our hourly event counts for a day against CloudWatch Logs' own (pure).

CloudWatch counts what it forwarded to the subscription (`AWS/Logs` `ForwardedLogEvents` per
filter) and what the group ingested (`IncomingLogEvents`). With the template's filter pattern
(empty: forward everything) both equal what reached us. An hour is `short` when we counted
fewer events than CloudWatch forwarded (events lost on the way, or waiting in the failure
queue), `over` when we counted more (CloudWatch's metric is late, or a foreign replay added a
day twice), `equal` within the tolerance, and `no_data` when CloudWatch published nothing for
the group's day (metrics are sparse: in a day with datapoints, an hour without one counts 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from stream_processor.aggregate import HOURS


@dataclass(frozen=True, slots=True)
class Expected:
    """CloudWatch's view of one log group's day: 24 hourly counts (None: no datapoint)."""

    log_group: str
    source: str  # "ForwardedLogEvents", "IncomingLogEvents", "insights" or "none"
    hourly: Sequence[int | None]
    delivery_errors: int = 0
    delivery_throttling: int = 0


@dataclass(frozen=True, slots=True)
class HourGap:
    hour: int
    ours: int
    theirs: int | None
    status: str  # equal | short | over | no_data

    @property
    def difference(self) -> int:
        return self.ours - (self.theirs or 0)


@dataclass(frozen=True, slots=True)
class GroupResult:
    log_group: str
    source: str
    hours: Sequence[HourGap]
    delivery_errors: int
    delivery_throttling: int

    @property
    def gaps(self) -> list[HourGap]:
        """Hours that differ beyond the tolerance (short or over)."""
        return [hour for hour in self.hours if hour.status in ("short", "over")]

    @property
    def missing(self) -> int:
        """Events CloudWatch forwarded that we did not count (short hours only)."""
        return sum(-hour.difference for hour in self.hours if hour.status == "short")

    @property
    def status(self) -> str:
        if all(hour.status == "no_data" for hour in self.hours):
            return "no_data"
        return "gaps" if self.gaps else "complete"


def compare(ours: Sequence[int], expected: Expected, tolerance: float = 0.0) -> GroupResult:
    """Hour by hour; `tolerance` is a fraction of CloudWatch's count (0 = exact)."""
    hours = []
    silent = all(value is None for value in expected.hourly)
    for hour in HOURS:
        mine = ours[hour] if hour < len(ours) else 0
        theirs = expected.hourly[hour] if hour < len(expected.hourly) else None
        if silent:
            hours.append(HourGap(hour, mine, None, "no_data"))
            continue
        # CloudWatch metrics are sparse: an hour without a datapoint, in a day with some, is 0
        counted = 0 if theirs is None else theirs
        hours.append(HourGap(hour, mine, counted, _status(mine, counted, tolerance)))
    return GroupResult(
        expected.log_group, expected.source, hours, expected.delivery_errors, expected.delivery_throttling
    )


def _status(ours: int, theirs: int, tolerance: float) -> str:
    allowed = tolerance * theirs
    if abs(ours - theirs) <= allowed:
        return "equal"
    return "short" if ours < theirs else "over"


def hourly_events(report: Mapping[str, object], log_group: str) -> list[int]:
    """Our 24 hourly event counts of one group, from a stored JSON report (zeros when absent)."""
    groups = report.get("log_groups")
    group = groups.get(log_group) if isinstance(groups, Mapping) else None
    hourly = group.get("hourly") if isinstance(group, Mapping) else None
    if not isinstance(hourly, list):
        return [0] * len(HOURS)
    return [
        int(entry.get("events", 0)) if isinstance(entry, Mapping) else 0 for entry in hourly[: len(HOURS)]
    ]


def recovery_commands(result: GroupResult, day: date, bucket: str, failure_queue: str | None) -> list[str]:
    """The commands that would bring back the short hours of one group (empty when none)."""
    short = [hour.hour for hour in result.hours if hour.status == "short"]
    if not short:
        return []
    commands = []
    if failure_queue:
        commands.append(f"logreview replay --from-dlq {failure_queue}")
    first, last = min(short), max(short) + 1
    start_ms = _epoch_ms(day, first)
    end_ms = _epoch_ms(day, last)
    prefix = f"exports/{day.isoformat()}/{result.log_group.strip('/').replace('/', '_')}"
    commands.append(
        f"aws logs create-export-task --log-group-name {result.log_group} --from {start_ms} --to {end_ms}"
        f" --destination {bucket} --destination-prefix {prefix}"
    )
    commands.append(
        f"logreview replay s3://{bucket}/{prefix}/ --format export --since {day.isoformat()}"
        f" --until {day.isoformat()} --log-group {result.log_group} --replace"
    )
    return commands


def _epoch_ms(day: date, hour: int) -> int:
    return (day.toordinal() - date(1970, 1, 1).toordinal()) * 86_400_000 + hour * 3_600_000


def gap_total(results: Sequence[GroupResult]) -> int:
    """What the ReconcileGap metric carries: events CloudWatch forwarded that we lack."""
    return sum(result.missing for result in results)
