"""What a run produced, read back: the day's partials merged, the daily report, the SNS inbox,
and the check that partials and report equal a generated day's ground truth."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import Any

import orjson

from stream_processor import aggregate
from tests.support.generated_day import Truth, empty_counts


def merged_partials(s3: Any, bucket: str, date: str) -> aggregate.Partial:
    """Every partial of the day under aggregates/, merged with each batch counted once (a bundle
    overlapping batches already counted is rebuilt from its archive, as the daily job does)."""
    from daily_report.source.merge import Deduper
    from tests.support.aws import list_keys

    def read(key: str) -> bytes:
        body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    deduper = Deduper(read)
    merged = aggregate.empty()
    for key in list_keys(s3, bucket, f"aggregates/dt={date}/"):
        partial = deduper.take(aggregate.decode(read(key)))
        if partial is not None:
            aggregate.merge_into(merged, partial)
    return merged


def partial_counts(merged: aggregate.Partial) -> dict[str, dict[str, Any]]:
    """The truth's shape computed from merged partials."""
    found: dict[str, dict[str, Any]] = {}
    for group, hours in merged["windows"].items():
        entry = found.setdefault(group, empty_counts())
        for hour, window in hours.items():
            entry["events"] += window["events"]
            entry["errors"] += window["errors"]
            for level, n in window["levels"].items():
                entry["levels"][level] = entry["levels"].get(level, 0) + n
            for rule, sec in window["security"].items():
                entry["security"][rule] = entry["security"].get(rule, 0) + sec["count"]
            entry["hourly"][int(hour)] = [window["events"], window["errors"]]
    return found


def report_key(date: str, name: str = "log_review.json.gz") -> str:
    return f"reports/{date.replace('-', '/')}/{name}"


def read_report(s3: Any, bucket: str, date: str) -> dict[str, Any]:
    body = s3.get_object(Bucket=bucket, Key=report_key(date))["Body"].read()
    doc: dict[str, Any] = orjson.loads(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body)
    return doc


def report_counts(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The truth's shape computed from a daily report (log groups with events only)."""
    found = {}
    for group, entry in report["log_groups"].items():
        if not entry["events"]:
            continue
        found[group] = {
            "events": entry["events"],
            "errors": entry["errors"],
            "levels": {k: v for k, v in entry["levels"].items() if v},
            "security": {k: v for k, v in entry["security_events"].items() if v},
            "hourly": [[h["events"], h["errors"]] for h in entry["hourly"]],
        }
    return found


def daily_report_available() -> bool:
    try:
        import daily_report.handler  # noqa: F401
    except ImportError:
        return False
    return True


def assert_exact(s3: Any, bucket: str, truth: Truth, date: str, report: bool = True) -> None:
    """The partials, and the daily report when asked (and built), equal the ground truth."""
    expected = truth.days.get(date, {})
    assert partial_counts(merged_partials(s3, bucket, date)) == expected
    if report and daily_report_available():
        from daily_report.handler import lambda_handler as daily

        daily({"date": date}, None)
        doc = read_report(s3, bucket, date)
        assert report_counts(doc) == expected
        assert doc["totals"]["events"] == truth.total(date)
        assert doc["totals"]["errors"] == truth.total(date, "errors")


@dataclass
class Inbox:
    """An SNS topic (ALERT_TOPIC_ARN) whose messages land raw in an SQS queue, to read them back."""

    sqs: Any
    queue_url: str
    topic_arn: str

    @classmethod
    def create(cls, name: str) -> Inbox:
        import boto3

        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name=f"alerts-{name}")["TopicArn"]
        queue = sqs.create_queue(QueueName=f"inbox-{name}")["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
        raw = {"RawMessageDelivery": "true"}
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=attrs["QueueArn"], Attributes=raw)
        return cls(sqs, queue, topic)

    def messages(self) -> list[str]:
        got = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
        return [message["Body"] for message in got.get("Messages", [])]


def report_documents(s3: Any, bucket: str, date: str) -> dict[str, str]:
    """The three report objects of a day as text: text report, JSON report, HTML page."""
    found = {}
    for name in ("log_review.gz", "log_review.json.gz", "log_review.html"):
        body = s3.get_object(Bucket=bucket, Key=report_key(date, name))["Body"].read()
        found[name] = (gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body).decode("utf-8")
    return found
