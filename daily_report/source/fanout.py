"""Fan-out: the daily job has the rollup function bring all 24 hourly rollups up to date, in
parallel, instead of listing a whole day itself.

Listing is what grows with the day: at 5 M partials a day it is 5,000 LIST pages and about as many
seconds of XML parsing in one process. So the daily job sends one asynchronous invoke
(`InvocationType=Event`) per hour, `{"hour": ..., "token": T}`, to the rollup function. Each run
lists only its hour, merges the partials its rollup does not cover yet (late data, replays) and
writes the rollup with `T` in its metadata, even when nothing changed. The daily job polls with a
HEAD per pending hour (no GETs) until every hour carries `T` or `wait_seconds` pass: right after
the invokes, then after 0.5 s, 1 s, 2 s, 4 s and every 5 s from then on (`poll_delays`), so a quiet
day is done in about a second and a busy one costs a few dozen HEADs more than a fixed 5 s; refreshed
hours are merged from their rollup alone (24 GETs), the others are planned by listing here (exact,
slower). Why asynchronous invokes rather than a Step Functions Map: docs/daily-report.md.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import orjson
from botocore.exceptions import ClientError

from stream_processor.aggregate import HOURS
from stream_processor.observability import logger
from stream_processor.sinks.aws_errors import absent

from ..budget import FANOUT_MAX_WAIT
from .hourly import DayPlan, plan_day, plan_trusted
from .rollup_doc import rollup_key

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

    from .reader import PartialSource

REFRESH_METADATA = "refresh-token"  # daily_report.rollup writes it as x-amz-meta-refresh-token


def poll_delays(first: float, most: float) -> Iterator[float]:
    """Seconds to wait before each poll: none before the first (sending 24 invokes takes a while,
    and a check costs at most 24 HEADs), then `first`, doubling, at most `most`."""
    yield 0.0
    delay = first
    while True:
        yield min(delay, most)
        delay *= 2


def _hour_text(day: date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}"


@dataclass(slots=True)
class FanOut:
    """Invokes the rollup function per hour and waits for the refreshed rollups."""

    client: LambdaClient
    function: str
    wait_seconds: float = FANOUT_MAX_WAIT  # the cap; a run's deadline may allow less (`refresh`)
    first_poll_seconds: float = 0.5
    poll_seconds: float = 5.0  # the longest wait between two polls
    sleep: Callable[[float], None] = field(default=time.sleep)
    clock: Callable[[], float] = field(default=time.monotonic)

    def invoke(self, day: date, hours: list[int], token: str) -> None:
        for hour in hours:
            payload = orjson.dumps({"hour": _hour_text(day, hour), "token": token})
            self.client.invoke(FunctionName=self.function, InvocationType="Event", Payload=payload)

    def refresh(self, source: PartialSource, day: date, wait: float | None = None) -> DayPlan:
        """Refresh the 24 rollups, waiting at most `wait` seconds (the run's budget; never more
        than `wait_seconds`); the plan: refreshed hours from rollups, the rest by listing."""
        token = uuid.uuid4().hex
        hours = list(HOURS)
        self.invoke(day, hours, token)
        most = self.wait_seconds if wait is None else min(wait, self.wait_seconds)
        logger.info("rollup refresh requested", extra={"date": day.isoformat(), "token": token, "wait": most})
        waiting = set(hours)
        deadline = self.clock() + most
        delays = poll_delays(self.first_poll_seconds, self.poll_seconds)
        while waiting and self.clock() < deadline:
            if delay := next(delays):
                self.sleep(delay)
            waiting = {hour for hour in waiting if _token(source, rollup_key(day, hour)) != token}
        if waiting:
            logger.warning(
                "rollups not refreshed in time, listing those hours", extra={"hours": sorted(waiting)}
            )
        done = [hour for hour in hours if hour not in waiting]
        listed = {plan.hour: plan for plan in plan_day(source, day, sorted(waiting)).hours} if waiting else {}
        trusted = {plan.hour: plan for plan in plan_trusted(source, day, done)}
        return DayPlan(day, [trusted.get(hour) or listed[hour] for hour in hours])


def _token(source: PartialSource, key: str) -> str | None:
    """The refresh token a rollup object carries, or None (no object, or no token)."""
    try:
        head = source.client.head_object(Bucket=source.bucket, Key=key)
    except ClientError as exc:
        if absent(exc):
            return None
        raise
    return head.get("Metadata", {}).get(REFRESH_METADATA)


def from_environment() -> FanOut | None:
    """`ROLLUP_FUNCTION` (the rollup function's name) turns fan-out on."""
    function = os.environ.get("ROLLUP_FUNCTION", "")
    if not function:
        return None
    import boto3

    return FanOut(boto3.client("lambda"), function)
