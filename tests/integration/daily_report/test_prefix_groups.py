"""Log groups under `LogConfig.LogGroupPrefixes` in the daily job and `logreview reconcile`, against
moto's server over HTTP: a prefix group seen the day before and silent today is expected and
alerts, and reconciliation lists the prefix groups with DescribeLogGroups (more than one page)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import orjson
import pytest

from daily_report.handler import lambda_handler as report_handler
from stream_processor import handler as processor
from stream_processor.cli import main
from stream_processor.config import DEFAULT_DOCUMENT, clear_caches
from tests.support.builders import ADMIN, OPERATOR, compress, envelope, log_event, subscription_event
from tests.support.readers import read_report, report_documents

EXTRA_GROUPS = 55  # with the two below: 57 groups under the prefix, two DescribeLogGroups pages of 50


@pytest.fixture
def org(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The `aws` fixture with a config selecting a prefix of its own (moto's Logs is per session),
    the prefix's groups created in moto, and the stack's own function group under a second prefix."""
    stack = f"org{uuid.uuid4().hex[:8]}"
    prefix = f"/{stack}/app/"
    doc = orjson.loads(orjson.dumps(DEFAULT_DOCUMENT))
    doc["LogConfig"].update(ReportBucket=aws["bucket"], LogGroupPrefixes=[prefix, f"/aws/lambda/{stack}"])
    doc["Report"]["TopLogGroups"] = 3
    boto3.client("ssm").put_parameter(
        Name=aws["parameter"], Value=orjson.dumps(doc).decode(), Type="String", Overwrite=True
    )
    logs = boto3.client("logs")
    names = [f"{prefix}a", f"{prefix}b", *(f"{prefix}x-{i:02d}" for i in range(EXTRA_GROUPS))]
    for name in [*names, f"/aws/lambda/{stack}-daily-report", f"/aws/lambda/{stack}worker"]:
        logs.create_log_group(logGroupName=name)
    monkeypatch.setenv("SUBSCRIPTION_FILTER_PREFIX", f"{stack}-")
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)
    clear_caches()
    processor._ingest.cache_clear()
    yield {**aws, "stack": stack, "prefix": prefix, "groups": names}
    processor._ingest.cache_clear()


def _stream(day: date, group: str, hour: int, count: int) -> None:
    start = int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000) + hour * 3_600_000
    events = [log_event(f"INFO event {i}", start + i) for i in range(count)]
    processor.lambda_handler(subscription_event(compress(envelope(events, log_group=group))), None)


def _forwarded(day: date, group: str, hour: int, value: int, filter_name: str) -> None:
    moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour, minutes=7)
    dims = [
        {"Name": "LogGroupName", "Value": group},
        {"Name": "DestinationType", "Value": "Lambda"},
        {"Name": "FilterName", "Value": filter_name},
    ]
    boto3.client("cloudwatch").put_metric_data(
        Namespace="AWS/Logs",
        MetricData=[
            {"MetricName": "ForwardedLogEvents", "Value": value, "Timestamp": moment, "Dimensions": dims}
        ],
    )


def test_a_prefix_group_seen_yesterday_and_silent_today_is_expected_and_reconciled(
    org: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = org["groups"][:2]
    today = datetime.now(UTC).date() - timedelta(days=2)
    yesterday = today - timedelta(days=1)
    for group in (ADMIN, OPERATOR, a, b):
        _stream(yesterday, group, 5, 3)
    report_handler({"date": yesterday.isoformat()}, None)
    _stream(today, a, 5, 4)
    _forwarded(today, b, 5, 3, f"{org['stack']}-onboard")  # CloudWatch forwarded 3 events of b we lack
    summary = report_handler({"date": today.isoformat()}, None)

    report = read_report(org["s3"], org["bucket"], today.isoformat())
    assert report["log_group_prefixes"] == [org["prefix"], f"/aws/lambda/{org['stack']}"]
    assert report["expected_log_groups"] == [ADMIN, OPERATOR, a, b]
    assert report["silent_log_groups"] == [ADMIN, OPERATOR, b]
    assert report["log_groups"][b]["events"] == 0
    silent = {
        alert["log_group"]: alert["value"] for alert in report["alerts"] if alert["rule"] == "silent_hours"
    }
    assert silent[b] == 24 and a in silent  # a: expected too, and quiet after 05:00
    text = report_documents(org["s3"], org["bucket"], today.isoformat())["log_review.gz"]
    assert f"silent all day (3 expected log group(s) without an event): {ADMIN}, {OPERATOR}, {b}" in text
    assert "… and 1 more log group (total 0 events" in text  # Report.TopLogGroups: 3 of the 4
    assert summary["reconcile_gap"] == 3  # the daily job reconciled b, a prefix group

    capsys.readouterr()
    assert main(["reconcile", "--date", today.isoformat()]) == 1
    out = capsys.readouterr().out
    checked = [line.split(":")[0] for line in out.splitlines() if " (CloudWatch source: " in line]
    own = f"/aws/lambda/{org['stack']}"
    assert checked == [ADMIN, OPERATOR, *sorted([*org["groups"], f"{own}worker"])]  # not {own}-daily-report
    assert f"{b}: gaps (CloudWatch source: ForwardedLogEvents" in out
    assert f"{today.isoformat()} 05:00  ours 0  CloudWatch 3  short by 3" in out
