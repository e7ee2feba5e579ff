"""`logreview reconcile` and the daily job's ReconcileGap against moto's CloudWatch over HTTP.

moto publishes no `AWS/Logs` metrics, so the tests publish them the way CloudWatch Logs would
(per log group, destination type and filter name) and check every branch.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from daily_report.handler import lambda_handler as report_handler
from stream_processor.cli import main
from stream_processor.handler import lambda_handler as stream_handler
from tests.support.builders import ADMIN, OPERATOR, compress, envelope, log_event, subscription_event

_OFFSETS = itertools.count(3)  # one day per test: published metrics stay in the session's moto


def _day_ms(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000)


def _stream(day: date, group: str, hour: int, count: int) -> None:
    start = _day_ms(day) + hour * 3_600_000
    events = [log_event(f"INFO event {i}", start + i) for i in range(count)]
    stream_handler(subscription_event(compress(envelope(events, log_group=group))), None)


def _forwarded(day: date, group: str, hour: int, value: int, name: str = "ForwardedLogEvents") -> None:
    moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour, minutes=7)
    dims = [
        {"Name": "LogGroupName", "Value": group},
        {"Name": "DestinationType", "Value": "Lambda"},
        {"Name": "FilterName", "Value": f"logreview-{group.strip('/').split('/')[0]}"},
    ]
    boto3.client("cloudwatch").put_metric_data(
        Namespace="AWS/Logs",
        MetricData=[{"MetricName": name, "Value": value, "Timestamp": moment, "Dimensions": dims}],
    )


@pytest.fixture
def day(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> date:
    """A day (distinct per test, so metrics published by other tests never mix in) with a report."""
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)
    monkeypatch.setenv("SUBSCRIPTION_FILTER_PREFIX", "logreview-")
    chosen = datetime.now(UTC).date() - timedelta(days=next(_OFFSETS))
    _stream(chosen, ADMIN, 4, 5)
    _stream(chosen, OPERATOR, 6, 3)
    return chosen


def test_equal_short_and_over_hours_and_the_recovery_commands(
    day: date, capsys: pytest.CaptureFixture[str]
) -> None:
    report_handler({"date": day.isoformat()}, None)
    _forwarded(day, ADMIN, 4, 5)  # equal
    _forwarded(day, OPERATOR, 6, 2)  # we have 3: over
    _forwarded(day, OPERATOR, 9, 4)  # we have 0: short
    _forwarded(day, OPERATOR, 9, 1, "DeliveryErrors")
    capsys.readouterr()
    status = main(["reconcile", "--date", day.isoformat(), "--failure-queue", "https://sqs.local/dlq"])
    out = capsys.readouterr().out
    assert status == 1
    assert f"{ADMIN}: complete (CloudWatch source: ForwardedLogEvents" in out
    assert f"{OPERATOR}: gaps (CloudWatch source: ForwardedLogEvents; delivery errors 1" in out
    assert f"{day.isoformat()} 06:00  ours 3  CloudWatch 2  over by 1" in out
    assert f"{day.isoformat()} 09:00  ours 0  CloudWatch 4  short by 4" in out
    assert "logreview replay --from-dlq https://sqs.local/dlq" in out
    assert f"--log-group-name {OPERATOR}" in out and "--format export" in out


def test_incoming_events_stand_in_when_no_filter_metric_exists(
    day: date, capsys: pytest.CaptureFixture[str]
) -> None:
    report_handler({"date": day.isoformat()}, None)
    for group, hour, value in ((ADMIN, 4, 5), (OPERATOR, 6, 3)):
        moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour)
        boto3.client("cloudwatch").put_metric_data(
            Namespace="AWS/Logs",
            MetricData=[
                {
                    "MetricName": "IncomingLogEvents",
                    "Value": value,
                    "Timestamp": moment,
                    "Dimensions": [{"Name": "LogGroupName", "Value": group}],
                }
            ],
        )
    capsys.readouterr()
    assert main(["reconcile", "--date", day.isoformat()]) == 0
    out = capsys.readouterr().out
    assert out.count("complete (CloudWatch source: IncomingLogEvents") == 2


def test_no_cloudwatch_data_is_said_and_is_not_a_gap(day: date, capsys: pytest.CaptureFixture[str]) -> None:
    report_handler({"date": day.isoformat()}, None)
    capsys.readouterr()
    assert main(["reconcile", "--date", day.isoformat()]) == 0
    assert capsys.readouterr().out.count(": no_data (CloudWatch source: none") == 2


def test_without_a_report_the_error_says_what_to_run(day: date, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reconcile", "--date", day.isoformat()]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"logreview reconcile: no report for {day}: run 'logreview report --date {day}' first"


def test_the_daily_job_emits_the_gap_it_found(day: date) -> None:
    _forwarded(day, ADMIN, 4, 9)  # CloudWatch forwarded 9, we have 5: 4 missing
    started = datetime.now(UTC) - timedelta(minutes=1)
    summary = report_handler({"date": day.isoformat()}, None)
    assert summary["reconcile_gap"] == 4
    stats = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="LogProcessor",
        MetricName="ReconcileGap",
        StartTime=started,
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )
    assert max(point["Maximum"] for point in stats["Datapoints"]) >= 4
