"""DailyReport under injected faults, one test per I/O step (list, get, report puts, PutMetricData,
SNS publish): transient faults succeed through botocore's retries; an outage makes the handler
raise, Lambda's 3 attempts end in the failure queue (which the replay re-drive leaves alone: it is
not a stream batch), and re-running the kept event after the outage gives the exact report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from daily_report.handler import lambda_handler as daily_handler
from stream_processor.handler import lambda_handler
from tests.support.fault_proxy import FaultProxy
from tests.support.generated_day import Day, generate_day
from tests.support.lambda_delivery import ATTEMPTS, Delivery, make_queue, proxied, queue_depth, redrive_status
from tests.support.readers import Inbox, merged_partials, partial_counts, read_report, report_counts

EVENT = {"date": "2025-11-26"}


@pytest.fixture(scope="module")
def day() -> Day:
    return generate_day(seed=4, events=0, sizes=[3, 200, 40, 1, 90], cross_midnight=False)


@pytest.fixture
def stage(aws: dict[str, Any], day: Day, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The day streamed in, an SNS topic whose messages land in an SQS queue, then the proxy."""
    for event in day.lambda_events():
        lambda_handler(event, None)
    inbox = Inbox.create(aws["bucket"])
    monkeypatch.setenv("ALERT_TOPIC_ARN", inbox.topic_arn)
    with proxied(aws) as proxy:
        yield {**aws, "proxy": proxy, "inbox": inbox}


def _check(stage: dict[str, Any], day: Day) -> dict[str, Any]:
    """The report equals the ground truth, is revision 1, and exactly one SNS summary went out."""
    s3, bucket = stage["s3"], stage["bucket"]
    report = read_report(s3, bucket, day.date)
    expected = day.truth.days[day.date]
    assert report_counts(report) == expected == partial_counts(merged_partials(s3, bucket, day.date))
    assert report["totals"]["events"] == day.events and report["batches"] == len(day.payloads)
    assert report["revision"] == 1  # retries rewrite the same content: no spurious revisions
    (message,) = stage["inbox"].messages()
    assert f"events {day.events:,}" in message
    return report


def _transient(stage: dict[str, Any], day: Day, op: str, times: int = 2, rate: float = 0.0) -> None:
    """`times` faults of mixed kinds (the first calls, or a seeded `rate` of them): all absorbed."""
    proxy: FaultProxy = stage["proxy"]
    proxy.inject(op, "any", times=times, rate=rate)
    deliver = Delivery(daily_handler)
    assert deliver(EVENT)
    assert deliver.attempts == [1] and proxy.count(op, faults=True) == times
    _check(stage, day)


def _outage(stage: dict[str, Any], day: Day, op: str, kind: str = "error") -> list[BaseException]:
    proxy: FaultProxy = stage["proxy"]
    sqs, queue = make_queue()
    proxy.inject(op, kind)
    deliver = Delivery(daily_handler, sqs, queue)
    assert not deliver(EVENT)
    assert len(deliver.failures) == ATTEMPTS and queue_depth(sqs, queue) == 1
    proxy.clear()
    _, line = redrive_status(queue)
    assert "1 messages, 0 deleted, 1 kept" in line and queue_depth(sqs, queue) == 1  # kept for its owner
    (kept,) = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)["Messages"]
    assert Delivery(daily_handler)(orjson.loads(kept["Body"])["requestPayload"])
    _check(stage, day)
    return deliver.failures


def test_list_transient_faults_succeed_through_retries(stage: dict[str, Any], day: Day) -> None:
    _transient(stage, day, "s3:ListObjectsV2")


def test_list_outage_raises_then_rerun_is_exact(stage: dict[str, Any], day: Day) -> None:
    _outage(stage, day, "s3:ListObjectsV2")


def test_get_transient_faults_succeed_through_retries(stage: dict[str, Any], day: Day) -> None:
    _transient(stage, day, "s3:GetObject:aggregates", times=3, rate=0.5)


def test_get_outage_raises_then_rerun_is_exact(stage: dict[str, Any], day: Day) -> None:
    _outage(stage, day, "s3:GetObject:aggregates", kind="reset")


def test_report_put_transient_faults_succeed_through_retries(stage: dict[str, Any], day: Day) -> None:
    _transient(stage, day, "s3:PutObject:reports")


def test_report_put_outage_raises_then_rerun_is_exact(stage: dict[str, Any], day: Day) -> None:
    """Only the HTML put fails: text and JSON were written each attempt, the rerun overwrites them."""
    _outage(stage, day, "s3:PutObject:reports/2025/11/26/log_review.html")


def test_metric_publish_transient_faults_succeed_through_retries(stage: dict[str, Any], day: Day) -> None:
    _transient(stage, day, "monitoring:PutMetricData")


def test_metric_publish_outage_raises_then_rerun_is_exact(stage: dict[str, Any], day: Day) -> None:
    _outage(stage, day, "monitoring:PutMetricData", kind="reset")


def test_sns_publish_transient_faults_succeed_through_retries(stage: dict[str, Any], day: Day) -> None:
    _transient(stage, day, "sns:Publish")


def test_sns_publish_outage_raises_then_rerun_is_exact(stage: dict[str, Any], day: Day) -> None:
    failures = _outage(stage, day, "sns:Publish")
    assert all("InternalFailure" in str(exc) for exc in failures)
