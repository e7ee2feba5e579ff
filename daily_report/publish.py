"""Sinks of the daily report: the S3 objects (text, JSON, HTML; for a day also the JSON on one line,
for Athena), the daily CloudWatch metrics, the SNS summary.

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
from stream_processor.sinks.aws_errors import absent
from stream_processor.sinks.metrics import NAMESPACE
from stream_processor.sinks.retention import lock_headers

from .days import day_start
from .report import Report
from .review import revision

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient

TEXT, JSON, HTML = "log_review.gz", "log_review.json.gz", "log_review.html"
# The day's report again as one JSON line, alone under its own prefix: Athena's line-based SerDe
# cannot read the indented report, and reads every object under a partition's prefix, so the
# Glue table `reports` (docs/query.md) is located at `reports/YYYY/MM/DD/rows/`.
ROWS = "rows/log_review.jsonl.gz"
# A presigned URL dies with the credentials that signed it. The Lambda signs with its role
# session (temporary credentials, observed to last up to 12 hours, and already some hours old
# in a warm function), so asking for SigV4's 7-day maximum would promise what it cannot keep.
PRESIGN_SECONDS = 12 * 3600
METRIC_MAX_AGE = timedelta(days=14)  # CloudWatch rejects older timestamps


def report_prefix(day: date) -> str:
    return f"reports/{day:%Y/%m/%d}/"


def rows_key(day: date) -> str:
    """The one-line JSON companion of a day's report (the Glue table `reports` reads it)."""
    return report_prefix(day) + ROWS


def rows_body(report: Report) -> bytes:
    """The companion's bytes: the whole report on one line (sorted keys), gzip without a time."""
    return gzip.compress(orjson.dumps(report, option=orjson.OPT_SORT_KEYS) + b"\n", mtime=0)


def day_data_keys(day: date) -> tuple[str, str]:
    """The day's merged aggregate (for weekly/monthly views) and first-seen index."""
    prefix = report_prefix(day)
    return prefix + "aggregate.json.gz", prefix + "seen.json.gz"


def period_keys(kind: str, label: str) -> tuple[str, str, str]:
    """`reports/weekly/2026-W48/…` or `reports/monthly/2026-11/…`."""
    prefix = f"reports/{kind}/{label}/"
    return prefix + TEXT, prefix + JSON, prefix + HTML


def report_keys(day: date) -> tuple[str, str, str]:
    """The text, JSON and HTML keys of a day's report."""
    prefix = report_prefix(day)
    return prefix + TEXT, prefix + JSON, prefix + HTML


@dataclass(frozen=True, slots=True)
class StoredReport:
    report: Report
    last_modified: datetime


class ReportStore:
    """Reads and writes the report objects of one bucket (every put with SSE AES256)."""

    def __init__(self, bucket: str, client: S3Client) -> None:
        self.sink = S3Sink(bucket, client)
        self.bucket = bucket
        self.client = client

    def previous(self, day: date) -> StoredReport | None:
        """The JSON report already stored for `day`, or None (missing or unreadable)."""
        found = self._read_json(report_keys(day)[1])
        if found is None or not isinstance(found[0], dict):
            return None  # a damaged report is replaced, starting again at revision 1
        return StoredReport(*found)

    def written(self, day: date) -> datetime | None:
        """When the day's JSON report was last written, or None."""
        try:
            return self.client.head_object(Bucket=self.bucket, Key=report_keys(day)[1])["LastModified"]
        except ClientError as exc:
            if absent(exc):
                return None
            raise

    def write(
        self, report: Report, text: str, page: str, keys: tuple[str, str, str] | None = None
    ) -> tuple[str, str, str]:
        """Put the three objects, and for a day's report its one-line companion (`rows_key`); the
        HTML last, so a link to it never shows an older JSON."""
        daily = keys is None
        text_key, json_key, html_key = keys or report_keys(date.fromisoformat(report["date"]))
        meta = {
            "GeneratedDate": report["generated_at"],
            "ReportDate": report["date"],
            "Revision": str(report["revision"]),
        }
        lock = lock_headers()  # evidence: Object Lock retention when configured
        self.sink.put(
            text_key,
            gzip.compress(text.encode("utf-8"), mtime=0),
            ContentType="text/plain; charset=utf-8",
            ContentEncoding="gzip",
            Metadata=meta,
            **lock,
        )
        self.sink.put(
            json_key,
            gzip.compress(revision.encode(report), mtime=0),
            ContentType="application/json",
            ContentEncoding="gzip",
            Metadata=meta,
            **lock,
        )
        if daily:
            self.sink.put(
                rows_key(date.fromisoformat(report["date"])),
                rows_body(report),
                ContentType="application/x-ndjson",
                ContentEncoding="gzip",
                Metadata=meta,
                **lock,
            )
        self.sink.put(
            html_key, page.encode("utf-8"), ContentType="text/html; charset=utf-8", Metadata=meta, **lock
        )
        return text_key, json_key, html_key

    def put_json(self, key: str, doc: Any) -> str:
        """A gzip JSON document beside the reports (the day's merged aggregate, its index)."""
        body = gzip.compress(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS), mtime=0)
        return self.sink.put(
            key, body, ContentType="application/json", ContentEncoding="gzip", **lock_headers()
        )

    def get_json(self, key: str) -> Any:
        """A document written by `put_json`, or None when missing or unreadable."""
        found = self._read_json(key)
        return None if found is None else found[0]

    def _read_json(self, key: str) -> tuple[Any, datetime] | None:
        """(document, when written) of a gzip JSON object, the document None when unreadable;
        None when there is no such object."""
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if absent(exc):
                return None
            raise
        try:
            doc = orjson.loads(gzip.decompress(found["Body"].read()))
        except (OSError, EOFError, orjson.JSONDecodeError):
            doc = None
        return doc, found["LastModified"]

    def presign(self, key: str, now: datetime) -> Link:
        """A SigV4 GET URL and the truth about how long it lives (see `Link`)."""
        import boto3
        from botocore.config import Config

        session = boto3.Session()
        credentials = session.get_credentials()
        seconds, bounded = link_seconds(credentials, now)
        signer = session.client(
            "s3", region_name=self.client.meta.region_name, config=Config(signature_version="s3v4")
        )
        params = {"Bucket": self.bucket, "Key": key}
        url = signer.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
        return Link(url, now + timedelta(seconds=seconds), bounded)


@dataclass(frozen=True, slots=True)
class Link:
    """A presigned URL; `session_bound`: signed with temporary credentials whose end is unknown,
    so it may stop working before `expires_at`."""

    url: str
    expires_at: datetime
    session_bound: bool


def link_seconds(credentials: Any, now: datetime) -> tuple[int, bool]:
    """ExpiresIn for a link signed with `credentials`, and whether their unknown end may cut it short.

    Long-lived keys (no session token): `PRESIGN_SECONDS`. Temporary credentials with a known
    expiry (botocore's refreshable credentials): up to that expiry. Temporary credentials from
    the environment (Lambda's role session): `PRESIGN_SECONDS`, marked as possibly shorter.
    """
    if credentials is None or not getattr(credentials, "token", None):
        return PRESIGN_SECONDS, False
    expiry = getattr(credentials, "_expiry_time", None)  # set only on refreshable credentials
    if isinstance(expiry, datetime):
        remaining = int((expiry - now).total_seconds())
        return max(1, min(PRESIGN_SECONDS, remaining)), False
    return PRESIGN_SECONDS, True


def daily_metric_data(report: Report, now: datetime) -> list[dict[str, Any]]:
    """The datums of docs/design.md §10: per log group and in total, timestamped at the reported day.

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
