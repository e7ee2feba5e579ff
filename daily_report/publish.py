"""Sinks of the daily report: the three S3 objects, the daily CloudWatch metrics, the SNS summary.

All I/O of the report lives here; what is written is decided by the pure modules.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from botocore.exceptions import ClientError

from stream_processor.sinks import S3Sink
from stream_processor.sinks.metrics import NAMESPACE

from . import revision
from .days import day_start
from .report import Report

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient

TEXT, JSON, HTML = "log_review.gz", "log_review.json.gz", "log_review.html"
PRESIGN_SECONDS = 7 * 24 * 3600  # the longest a SigV4 URL can live
METRIC_MAX_AGE = timedelta(days=14)  # CloudWatch rejects older timestamps


def report_prefix(day: date) -> str:
    return f"reports/{day:%Y/%m/%d}/"


def report_keys(day: date) -> tuple[str, str, str]:
    """The text, JSON and HTML keys of a day's report."""
    prefix = report_prefix(day)
    return prefix + TEXT, prefix + JSON, prefix + HTML


@dataclass(frozen=True, slots=True)
class StoredReport:
    report: Report
    last_modified: datetime


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


class ReportStore:
    """Reads and writes the report objects of one bucket (every put with SSE AES256)."""

    def __init__(self, bucket: str, client: S3Client) -> None:
        self.sink = S3Sink(bucket, client)
        self.bucket = bucket
        self.client = client

    def previous(self, day: date) -> StoredReport | None:
        """The JSON report already stored for `day`, or None (missing or unreadable)."""
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=report_keys(day)[1])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        try:
            report = orjson.loads(gzip.decompress(found["Body"].read()))
        except (OSError, EOFError, orjson.JSONDecodeError):
            return None  # a damaged report is replaced, starting again at revision 1
        return StoredReport(report, found["LastModified"]) if isinstance(report, dict) else None

    def written(self, day: date) -> datetime | None:
        """When the day's JSON report was last written, or None."""
        try:
            return self.client.head_object(Bucket=self.bucket, Key=report_keys(day)[1])["LastModified"]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise

    def write(self, report: Report, text: str, page: str) -> tuple[str, str, str]:
        """Put the three objects; the HTML last, so a link to it never shows an older JSON."""
        text_key, json_key, html_key = report_keys(date.fromisoformat(report["date"]))
        meta = {
            "GeneratedDate": report["generated_at"],
            "ReportDate": report["date"],
            "Revision": str(report["revision"]),
        }
        self.sink.put(
            text_key,
            gzip.compress(text.encode("utf-8"), mtime=0),
            ContentType="text/plain; charset=utf-8",
            ContentEncoding="gzip",
            Metadata=meta,
        )
        self.sink.put(
            json_key,
            gzip.compress(revision.encode(report), mtime=0),
            ContentType="application/json",
            ContentEncoding="gzip",
            Metadata=meta,
        )
        self.sink.put(html_key, page.encode("utf-8"), ContentType="text/html; charset=utf-8", Metadata=meta)
        return text_key, json_key, html_key

    def presign(self, key: str) -> str:
        """A SigV4 GET URL valid for 7 days (bounded by the signing credentials' own lifetime)."""
        import boto3
        from botocore.config import Config

        signer = boto3.client(
            "s3", region_name=self.client.meta.region_name, config=Config(signature_version="s3v4")
        )
        params = {"Bucket": self.bucket, "Key": key}
        return signer.generate_presigned_url("get_object", Params=params, ExpiresIn=PRESIGN_SECONDS)


def daily_metric_data(report: Report, now: datetime) -> list[dict[str, Any]]:
    """The datums of DESIGN §10: per log group and in total, timestamped at the reported day.

    `ReportGenerated` is timestamped now, because the ReportMissing alarm asks whether a report
    was generated in the last 24 hours. Values of days CloudWatch no longer accepts are left out.
    """
    datums: list[dict[str, Any]] = [
        {"MetricName": "ReportGenerated", "Value": 1, "Unit": "Count", "Timestamp": now},
    ]
    moment = day_start(date.fromisoformat(report["date"]))
    if not now - METRIC_MAX_AGE < moment <= now:
        return datums
    scopes: list[tuple[list[dict[str, str]], dict[str, Any]]] = [([], report["totals"])]
    for group, section in report["log_groups"].items():
        totals = {**section, "security_events": section["security_events_total"]}
        scopes.append(([{"Name": "LogGroup", "Value": group}], totals))
    for dimensions, values in scopes:
        for name, key, unit in (
            ("DailyEventCount", "events", "Count"),
            ("DailyErrorRate", "error_rate", "None"),
            ("DailySecurityEvents", "security_events", "Count"),
        ):
            datum = {"MetricName": name, "Value": values[key], "Unit": unit, "Timestamp": moment}
            datums.append({**datum, "Dimensions": dimensions} if dimensions else datum)
    return datums


class DailyMetrics:
    """PutMetricData into the LogProcessor namespace."""

    def __init__(self, client: CloudWatchClient, namespace: str = NAMESPACE) -> None:
        self.client = client
        self.namespace = namespace

    def publish(self, report: Report, now: datetime) -> int:
        datums = daily_metric_data(report, now)
        for start in range(0, len(datums), 20):
            chunk: Any = datums[start : start + 20]
            self.client.put_metric_data(Namespace=self.namespace, MetricData=chunk)
        return len(datums)


class Notifier:
    """One SNS message per run."""

    def __init__(self, topic_arn: str, client: SNSClient) -> None:
        self.topic_arn = topic_arn
        self.client = client

    def publish(self, subject: str, message: str) -> str:
        found = self.client.publish(TopicArn=self.topic_arn, Subject=subject[:100], Message=message)
        return found["MessageId"]
