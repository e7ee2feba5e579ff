"""The daily job keeps within Lambda's time (issue 21 item 7), over moto's server and real Lambda calls.

A fake clock stands in for time: real time plus every sleep the job takes, so a wait of 540 s
costs nothing here while the job's deadline (a Lambda context's remaining time on that clock)
still sees it. Rollups that never come are invokes the test's Lambda service accepts but never
runs; a slow Logs Insights is moto's query kept `Running` (moto completes every query at once).
The run must finish with at least `MARGIN` of the invocation left, hand off what does not fit,
and say so; the hand-off is then run like Lambda would, so no day is lost.
"""

from __future__ import annotations

import io
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import orjson
import pytest

from daily_report.budget import MARGIN, Deadline
from daily_report.handler import lambda_handler as report_handler
from daily_report.handoff import Handoff
from daily_report.job import ReportRun, from_environment
from daily_report.rollup import lambda_handler as rollup_handler
from stream_processor import observability
from stream_processor.config import load_config
from tests.support.builders import ADMIN, OPERATOR
from tests.support.fault_proxy import FaultProxy
from tests.support.generated_day import Day, generate_day
from tests.support.lambda_delivery import proxied
from tests.support.readers import read_report, report_counts
from tests.support.rollup_kit import moto_function, stream

TARGET = date(2025, 11, 26)
DAYS = [TARGET - timedelta(days=2), TARGET - timedelta(days=1), TARGET]
INVOKE = "lambda:POST"


class FakeClock:
    """Monotonic time plus everything slept: sleeping is instant, the deadline still sees it."""

    def __init__(self) -> None:
        self.slept = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.slept

    def sleep(self, seconds: float) -> None:
        self.slept += seconds


@dataclass
class Context:
    """What the job reads of a Lambda context; its remaining time runs on the fake clock."""

    clock: FakeClock
    ends: float
    invoked_function_arn: str

    def get_remaining_time_in_millis(self) -> int:
        return int((self.ends - self.clock()) * 1000)


class LambdaService:
    """Plays Lambda for the async invokes the proxy saw: rollup refreshes run (unless `rollups`
    is off, e.g. throttled); hand-offs (events with a "date") are kept for the test to run."""

    def __init__(self, proxy: FaultProxy, rollups: bool) -> None:
        self.invokes = proxy.watch(INVOKE)
        self.rollups = rollups
        self.seen = 0
        self.handoffs: list[dict[str, Any]] = []
        self.stop = False

    def poll(self) -> None:
        while self.seen < len(self.invokes):
            payload = orjson.loads(self.invokes[self.seen])
            if "hour" not in payload:
                self.handoffs.append(payload)
            elif self.rollups:
                rollup_handler(payload, None)
            self.seen += 1


@pytest.fixture
def world(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Three days of partials (the two earlier ones without a report: late data), the rollup and
    report functions in moto, and every call through a proxy that records the async invokes."""
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)
    days = {
        d: generate_day(seed=40 + n, events=0, date=d.isoformat(), sizes=[3, 20, 7, 1], cross_midnight=False)
        for n, d in enumerate(DAYS)
    }
    for day in days.values():
        stream(aws, day.lambda_events())
    suffix = uuid.uuid4().hex[:8]
    rollup = moto_function(aws["endpoint"], f"rollup-{suffix}", "daily_report.rollup.lambda_handler")
    report = moto_function(aws["endpoint"], f"daily-{suffix}", "daily_report.handler.lambda_handler")
    monkeypatch.setenv("ROLLUP_FUNCTION", rollup.rsplit(":", 1)[1])
    with proxied(aws) as proxy:
        yield {"days": days, "proxy": proxy, "report": report}


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """The job's log lines (Powertools JSON), captured during the test."""
    captured = io.StringIO()
    capture = logging.StreamHandler(captured)
    capture.setFormatter(observability.logger.registered_formatter)
    underlying = logging.getLogger(observability.logger.name)
    underlying.addHandler(capture)
    level = underlying.level  # a CLI test run in this process may have left it at ERROR (replay's quiet)
    underlying.setLevel(logging.INFO)
    yield captured
    underlying.setLevel(level)
    underlying.removeHandler(capture)


def _job(clock: FakeClock, arn: str) -> ReportRun:
    """The job as the handler builds it, with the fake clock in every wait it makes."""
    job = from_environment(load_config(), notify=False)
    assert job.fanout is not None and job.counts is not None
    job.fanout.clock, job.fanout.sleep = clock, clock.sleep
    job.counts.clock, job.counts.sleep = clock, clock.sleep
    job.handoff = Handoff(boto3.client("lambda"), arn)
    return job


def _run(world: dict[str, Any], service: LambdaService, seconds: float) -> tuple[dict[str, Any], Context]:
    """One scheduled run of TARGET in an invocation with `seconds` left, rollups served meanwhile."""
    clock = FakeClock()
    context = Context(clock, clock() + seconds, world["report"])
    job = _job(clock, world["report"])
    sleep = clock.sleep

    def serve_then_sleep(delay: float) -> None:  # rollups run between polls, as Lambda would
        service.poll()
        sleep(delay)

    assert job.fanout is not None
    job.fanout.sleep = serve_then_sleep
    summary = job.run(TARGET, deadline=Deadline.from_context(context, clock)).summary()
    return summary, context


def _exact(aws: dict[str, Any], world: dict[str, Any], day: date) -> bool:
    truth: Day = world["days"][day]
    return (
        report_counts(read_report(aws["s3"], aws["bucket"], day.isoformat()))
        == truth.truth.days[day.isoformat()]
    )


def test_rollups_that_never_come_hand_off_a_late_day_and_the_run_ends_in_time(
    aws: dict[str, Any], world: dict[str, Any], lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = LambdaService(world["proxy"], rollups=False)
    summary, context = _run(world, service, 900)
    service.poll()
    # the oldest late day fit in front of the target's reserve and waited for its rollups; the
    # next did not, and went to its own invocation; the target was made with what was left
    assert [revised["date"] for revised in summary["regenerated"]] == [DAYS[0].isoformat()]
    assert summary["handed_off"] == [DAYS[1].isoformat()]
    assert service.handoffs == [
        {"date": DAYS[1].isoformat(), "late_data": False, "handoff": service.handoffs[0]["handoff"]}
    ]
    assert "late data, no time in the run of 2025-11-26" in service.handoffs[0]["handoff"]
    assert context.get_remaining_time_in_millis() >= MARGIN * 1000
    assert context.clock.slept > 600  # the waits really were long (on the fake clock)
    assert _exact(aws, world, DAYS[0]) and _exact(aws, world, TARGET)  # listed: exact, only slower
    assert "handed off to a new invocation" in lines.getvalue()
    # the hand-off, run as Lambda runs it (listing here: this test's rollups never come): that
    # day only, its report exact, nothing lost
    monkeypatch.delenv("ROLLUP_FUNCTION")
    handed = report_handler(service.handoffs[0], None)
    assert (handed["date"], handed["regenerated"], handed["handed_off"]) == (DAYS[1].isoformat(), [], [])
    assert _exact(aws, world, DAYS[1])


def test_a_slow_insights_query_is_stopped_within_the_budget(
    aws: dict[str, Any], world: dict[str, Any], lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.logs import models

    logs = boto3.client("logs")
    for group in (ADMIN, OPERATOR):  # no AWS/Logs metrics in moto: reconciliation asks Insights
        logs.create_log_group(logGroupName=group)
    monkeypatch.setattr(models.LogQuery, "to_result_json", lambda self: {"results": [], "status": "Running"})
    service = LambdaService(world["proxy"], rollups=True)
    summary, context = _run(world, service, 400)
    # 370 s left: a late day does not fit in front of the target (390 s for both); both handed off
    assert summary["handed_off"] == [DAYS[0].isoformat(), DAYS[1].isoformat()]
    assert summary["reconcile_gap"] == 0 and summary["skipped"] == []
    assert context.get_remaining_time_in_millis() >= MARGIN * 1000
    assert world["proxy"].count("logs:StopQuery") >= 1  # stopped at the budget, not left running
    assert "insights query stopped" in lines.getvalue()
    assert _exact(aws, world, TARGET)


def test_too_little_time_skips_reconciliation_and_says_so(
    aws: dict[str, Any], world: dict[str, Any], lines: io.StringIO
) -> None:
    service = LambdaService(world["proxy"], rollups=True)
    summary, context = _run(world, service, 80)
    assert summary["reconcile_gap"] is None
    assert summary["skipped"] and summary["skipped"][0].startswith("reconciliation with CloudWatch skipped: ")
    assert "reconciliation skipped" in lines.getvalue()
    assert world["proxy"].count("monitoring:GetMetricData") == 0
    assert context.get_remaining_time_in_millis() >= MARGIN * 1000
    assert _exact(aws, world, TARGET)


def test_a_period_that_does_not_fit_continues_in_a_new_invocation(world: dict[str, Any]) -> None:
    from daily_report.job import OutOfTime
    from daily_report.period import week_of

    clock = FakeClock()
    context = Context(clock, clock() + 900, world["report"])
    job = _job(clock, world["report"])  # rollups never come: the first missing day waits 540 s
    with pytest.raises(OutOfTime) as stopped:
        job.generate_period(week_of("2025-W48"), Deadline.from_context(context, clock))
    assert (
        stopped.value.event["week"] == "2025-W48"
        and "period 2025-W48 continued" in stopped.value.event["handoff"]
    )
    assert context.get_remaining_time_in_millis() >= MARGIN * 1000
    # one day was made and stored: the next invocation goes on from the second
    assert job.store.get_json("reports/2025/11/24/aggregate.json.gz") is not None
    assert job.store.get_json("reports/2025/11/25/aggregate.json.gz") is None


def test_the_handler_hands_its_deadline_and_its_own_function_down(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROLLUP_FUNCTION")  # listing mode: this test is about the wiring, not waits
    service = LambdaService(world["proxy"], rollups=False)
    context = SimpleNamespace(
        function_name="daily",
        function_version="$LATEST",
        invoked_function_arn=world["report"],
        memory_limit_in_mb=1769,
        aws_request_id="req-1",
        log_group_name="/aws/lambda/daily",
        log_stream_name="s",
        get_remaining_time_in_millis=lambda: 300_000,  # 270 s of budget: no earlier day fits
    )
    summary = report_handler({"date": TARGET.isoformat()}, context)
    service.poll()
    assert summary["handed_off"] == [DAYS[0].isoformat(), DAYS[1].isoformat()]
    sent = [(h["date"], h["late_data"]) for h in service.handoffs]
    assert sent == [(d.isoformat(), False) for d in DAYS[:2]]
