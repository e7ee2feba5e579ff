"""End to end over moto's server: a generated day through the StreamProcessor handler, then the
DailyReport handler from a scheduled event; every number checked against ground truth computed
here from the generator's own labels (not from our parser)."""

from __future__ import annotations

import gzip
import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import orjson
import pytest

from daily_report.handler import lambda_handler as report_handler
from stream_processor.handler import lambda_handler as stream_handler
from tests.support.aws import list_keys
from tests.support.builders import (
    ADMIN,
    OPERATOR,
    PLANTED_SECRETS,
    SCRIPT,
    LabelledEvent,
    generated_day,
    labelled_batches,
    subscription_event,
)

LEVELS = ("DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "UNKNOWN")


def _nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


@pytest.fixture
def reported(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Yesterday (UTC) streamed live, with a redelivery and a batch crossing midnight, then reported
    by the scheduled run at 00:15 today; the SNS summary lands in an SQS queue."""
    day = datetime.now(UTC).date() - timedelta(days=1)
    events = generated_day(day.isoformat())
    events.append(
        LabelledEvent(OPERATOR, "ops-runner", events[-1].timestamp + 3_600_000, "INFO next day", "INFO")
    )
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name=f"alerts-{aws['bucket']}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"alerts-{aws['bucket']}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    monkeypatch.setenv("ALERT_TOPIC_ARN", topic)
    monkeypatch.setenv(
        "POWERTOOLS_METRICS_NAMESPACE", f"LogProcessor-{aws['bucket']}"
    )  # isolated from other tests
    payloads = labelled_batches(events)
    for raw in [*payloads, payloads[0]]:  # the first batch is delivered twice
        stream_handler(subscription_event(raw), None)
    scheduled = {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": f"{day + timedelta(days=1)}T00:15:00Z",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/daily-report"],
        "detail": {},
    }
    summary = report_handler(scheduled, None)
    s3, bucket = aws["s3"], aws["bucket"]
    bodies = {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in summary["keys"]}
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages", []
    )
    yield {
        **aws,
        "day": day,
        "truth": [e for e in events if e.day == day.isoformat()],
        "summary": summary,
        "bodies": bodies,
        "report": orjson.loads(gzip.decompress(bodies[summary["keys"][1]])),
        "messages": [m["Body"] for m in messages],
        "payloads": len(payloads),
    }


def test_every_number_equals_the_ground_truth(reported: dict[str, Any]) -> None:
    report, truth, day = reported["report"], reported["truth"], reported["day"]
    assert reported["summary"]["date"] == report["date"] == day.isoformat()
    partial_keys = list_keys(reported["s3"], reported["bucket"], f"aggregates/dt={day}/")
    assert report["partials"] == report["batches"] == len(partial_keys) == reported["payloads"]
    assert report["totals"]["events"] == len(truth)
    assert report["totals"]["errors"] == sum(e.level in ("ERROR", "CRITICAL") for e in truth)
    for group in (ADMIN, OPERATOR):
        mine = [e for e in truth if e.log_group == group]
        section = report["log_groups"][group]
        assert section["events"] == len(mine)
        assert section["levels"] == {level: sum(e.level == level for e in mine) for level in LEVELS}
        assert section["errors"] == section["levels"]["ERROR"] + section["levels"]["CRITICAL"]
        rules = Counter(rule for e in mine for rule in e.rules)
        assert {rule: n for rule, n in section["security_events"].items() if n} == dict(rules)
        hourly = [{"events": 0, "errors": 0} for _ in range(24)]
        for e in mine:
            hourly[e.hour]["events"] += 1
            hourly[e.hour]["errors"] += e.level in ("ERROR", "CRITICAL")
        assert section["hourly"] == hourly
        assert section["silent_hours"] == [h for h in range(24) if not hourly[h]["events"]]
        latencies = [e.latency_ms for e in mine if e.latency_ms is not None]
        assert section["latency_ms"]["count"] == len(latencies)
        assert section["latency_ms"]["max"] == max(latencies)
        for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99)):
            exact = _nearest_rank(latencies, q)
            assert abs(section["latency_ms"][name] - exact) <= 0.01 * exact, (group, name)
        errors = Counter(e.error for e in mine if e.error)
        assert sorted(entry["count"] for entry in section["top_errors"]) == sorted(errors.values())
        principals = Counter(e.principal for e in mine if e.principal)
        expected = sorted(principals.items(), key=lambda kv: (-kv[1], kv[0]))
        assert [(p["name"], p["count"]) for p in section["top_principals"]] == expected
    assert report["log_groups"][OPERATOR]["silent_hours"] == [3]
    alerts = {(a["rule"], a["log_group"], a.get("security_rule")) for a in report["alerts"]}
    # one quiet hour is no silent group: the alert, like the template's alarm, needs 6 in a row
    assert not any(rule == "silent_hours" for rule, _, _ in alerts)
    assert ("security_event", OPERATOR, "ssh_failed_login") in alerts
    assert ("security_event", ADMIN, "cis_iam_policy_changes") in alerts
    assert ("security_event", OPERATOR, "sudo_to_root") in alerts
    assert report["revision"] == 1 and reported["summary"]["regenerated"] == []


def test_report_objects_are_encrypted_described_and_free_of_secrets(reported: dict[str, Any]) -> None:
    s3, bucket, day = reported["s3"], reported["bucket"], reported["day"]
    prefix = f"reports/{day:%Y/%m/%d}/"
    text_key, json_key, html_key = (
        prefix + name for name in ("log_review.gz", "log_review.json.gz", "log_review.html")
    )
    assert reported["summary"]["keys"] == [text_key, json_key, html_key]
    expected_types = {
        text_key: "text/plain; charset=utf-8",
        json_key: "application/json",
        html_key: "text/html; charset=utf-8",
    }
    for key, content_type in expected_types.items():
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ServerSideEncryption"] == "AES256"
        assert head["ContentType"] == content_type
        assert head["Metadata"]["generateddate"] == reported["report"]["generated_at"]
    for key in (text_key, json_key):
        assert s3.head_object(Bucket=bucket, Key=key)["ContentEncoding"] == "gzip"
    text = gzip.decompress(reported["bodies"][text_key]).decode()
    page = reported["bodies"][html_key].decode()
    documents = [text, gzip.decompress(reported["bodies"][json_key]).decode(), page, *reported["messages"]]
    assert "SECURITY EVENTS" in text and "SILENT HOURS" in text and "[REDACTED]" in text
    for secret in PLANTED_SECRETS:
        assert all(secret not in document for document in documents), secret
    assert SCRIPT in text  # the text report shows it as written (it is inert there) ...
    assert "<script" not in page and "&lt;script&gt;alert(" in page  # ... the HTML escapes it
    assert page.count("<svg") >= 3


def test_alarm_feed_metrics_and_one_sns_message(reported: dict[str, Any]) -> None:
    (message,) = [m for m in reported["messages"] if m.startswith("Daily log review")]  # not the detections
    day, report = reported["day"], reported["report"]
    assert day.isoformat() in message and f"events {report['totals']['events']:,}" in message
    assert f"s3://{reported['bucket']}/reports/{day:%Y/%m/%d}/log_review.html" in message
    assert "X-Amz-Expires=43200" in message and "link valid until" in message
    cloudwatch = boto3.client("cloudwatch")
    start = datetime.combine(day, datetime.min.time(), UTC)
    for dimensions, expected in (
        ([{"Name": "LogGroup", "Value": ADMIN}], report["log_groups"][ADMIN]["events"]),
        ([], report["totals"]["events"]),
    ):
        stats = cloudwatch.get_metric_statistics(
            Namespace=f"LogProcessor-{reported['bucket']}",
            MetricName="DailyEventCount",
            Dimensions=dimensions,
            StartTime=start - timedelta(hours=1),
            EndTime=start + timedelta(hours=1),
            Period=3600,
            Statistics=["Maximum"],
        )
        assert [point["Maximum"] for point in stats["Datapoints"]] == [expected]
    namespace = f"LogProcessor-{reported['bucket']}"
    generated = cloudwatch.list_metrics(Namespace=namespace, MetricName="ReportGenerated")["Metrics"]
    assert generated, "ReportGenerated was not published"
