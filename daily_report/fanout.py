"""Fan-out: a day whose hours are not rolled up yet gets them rolled up in parallel first.

When the plan would read more than `threshold` partials beyond the rollups, the daily job sends
one asynchronous invoke (`InvocationType=Event`) per such hour to the rollup function, waits
(a HEAD per pending rollup every `poll_seconds`) until each hour's rollup object was rewritten or
`wait_seconds` passed, and plans those hours again. An hour whose rollup never came is read
directly: slower, still exact. Why asynchronous invokes rather than a Step Functions Map:
docs/daily-report.md ("Fan-out").
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

import orjson
from botocore.exceptions import ClientError

from stream_processor.observability import logger

from .hourly import DayPlan, plan_day
from .rollup_doc import rollup_key

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

    from .source import PartialSource

DEFAULT_THRESHOLD = 20_000  # about 30 s of direct reads at 16 threads and 25 ms a GET


def _hour_text(day: date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}"


@dataclass(slots=True)
class FanOut:
    """Invokes the rollup function per hour and waits for the rollups (see the module docstring)."""

    client: LambdaClient
    function: str
    threshold: int = DEFAULT_THRESHOLD
    wait_seconds: float = 660.0
    poll_seconds: float = 5.0
    sleep: Callable[[float], None] = field(default=time.sleep)
    clock: Callable[[], float] = field(default=time.monotonic)

    def hours_to_roll(self, plan: DayPlan) -> list[int]:
        """Every hour with reads beyond its rollup, when the day's total passes the threshold."""
        if plan.reads <= self.threshold:
            return []
        return [hour.hour for hour in plan.hours if hour.reads > 0]

    def invoke(self, day: date, hours: list[int]) -> None:
        for hour in hours:
            payload = orjson.dumps({"hour": _hour_text(day, hour)})
            self.client.invoke(FunctionName=self.function, InvocationType="Event", Payload=payload)

    def roll_up_first(self, source: PartialSource, plan: DayPlan) -> DayPlan:
        hours = self.hours_to_roll(plan)
        if not hours:
            return plan
        day = plan.day
        before = {hour: _version(source, rollup_key(day, hour)) for hour in hours}
        self.invoke(day, hours)
        logger.info("rollups requested", extra={"date": day.isoformat(), "hours": hours, "reads": plan.reads})
        waiting = set(hours)
        deadline = self.clock() + self.wait_seconds
        while waiting and self.clock() < deadline:
            self.sleep(self.poll_seconds)
            waiting = {hour for hour in waiting if _version(source, rollup_key(day, hour)) == before[hour]}
        if waiting:
            logger.warning("rollups missing, reading those hours directly", extra={"hours": sorted(waiting)})
        again = {hour.hour: hour for hour in plan_day(source, day, hours).hours}
        return DayPlan(day, [again.get(hour.hour, hour) for hour in plan.hours])


def _version(source: PartialSource, key: str) -> tuple[str, datetime] | None:
    """(ETag, LastModified) of an object, or None when it does not exist."""
    try:
        head = source.client.head_object(Bucket=source.bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return head["ETag"], head["LastModified"]


def from_environment() -> FanOut | None:
    """`ROLLUP_FUNCTION` (and optionally `ROLLUP_FANOUT_THRESHOLD`) turn fan-out on."""
    function = os.environ.get("ROLLUP_FUNCTION", "")
    if not function:
        return None
    import boto3

    threshold = int(os.environ.get("ROLLUP_FANOUT_THRESHOLD") or DEFAULT_THRESHOLD)
    return FanOut(boto3.client("lambda"), function, threshold)
