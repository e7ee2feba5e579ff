"""Scenario kit for the reliability proofs: a generated day with its ground truth, delivery the
way Lambda does it (3 attempts, then the on-failure destination queue), and the counts a run
actually produced (from the merged partials and from the daily report).

The ground truth is computed from the generator's own labels, not by running our parser, so a
lost or double-counted event shows up as a difference.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import math
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from stream_processor import aggregate
from tests.support.builders import compress, envelope, subscription_event
from tests.support.fault_proxy import FaultProxy

GROUPS = ("/admin/logs", "/operator/logs")
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
ATTEMPTS = 3  # Lambda async invocation: the first try plus MaximumRetryAttempts 2 (template.yaml)
NEXT_DAY = "2025-11-27"  # the generated day is 2025-11-26; its last batch crosses midnight

# (weight, level, security rules, message template); `{n}` varies per event
TEMPLATES: tuple[tuple[int, str, tuple[str, ...], str], ...] = (
    (
        30,
        "INFO",
        (),
        '{{"level":"info","user":"alice","action":"ListBuckets","status":"200","latency_ms":{n}}}',
    ),
    (20, "INFO", (), 'level=info msg="request done" user=erin action=GetItem status=200 duration_ms={n}'),
    (8, "DEBUG", (), "DEBUG cache miss key=user:{n}"),
    (8, "WARN", (), "WARN disk usage at {n}% on /var"),
    (6, "ERROR", (), "ERROR payment failed for order {n}: upstream timeout"),
    (2, "CRITICAL", (), "CRITICAL database connection pool exhausted after {n} waits"),
    (
        3,
        "UNKNOWN",
        ("ssh_failed_login",),
        "Failed password for invalid user admin from 10.0.0.{n} port 22 ssh2",
    ),
    (
        2,
        "WARN",
        ("cis_iam_policy_changes",),
        '{{"level":"warn","eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy",'
        '"user":"bob","n":{n}}}',
    ),
    (2, "ERROR", ("aws_access_denied",), "ERROR AccessDenied: user carol is not authorized (request {n})"),
    (
        1,
        "INFO",
        ("aws_resource_deleted", "cis_root_account_usage"),
        '{{"level":"info","eventVersion":"1.08","eventType":"AwsApiCall","eventName":"TerminateInstances",'
        '"userIdentity":{{"type":"Root"}},"n":{n}}}',
    ),
)
_WEIGHTS = [t[0] for t in TEMPLATES]


def day_start_ms(date: str) -> int:
    return int(datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() * 1000)


@dataclass
class Truth:
    """What the report must say, per date and log group, counted from the generator's labels."""

    days: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def add(self, group: str, stamp: int, level: str, rules: tuple[str, ...]) -> None:
        date = time.strftime("%Y-%m-%d", time.gmtime(stamp // 1000))
        entry = self.days.setdefault(date, {}).setdefault(group, _empty_counts())
        hour = stamp // HOUR_MS % 24
        error = level in ("ERROR", "CRITICAL")
        entry["events"] += 1
        entry["errors"] += error
        entry["levels"][level] = entry["levels"].get(level, 0) + 1
        for rule in rules:
            entry["security"][rule] = entry["security"].get(rule, 0) + 1
        entry["hourly"][hour][0] += 1
        entry["hourly"][hour][1] += error

    def total(self, date: str, key: str = "events") -> int:
        return sum(group[key] for group in self.days.get(date, {}).values())


def _empty_counts() -> dict[str, Any]:
    return {"events": 0, "errors": 0, "levels": {}, "security": {}, "hourly": [[0, 0] for _ in range(24)]}


@dataclass
class Day:
    """A generated day: compressed payloads (each a CloudWatch subscription batch) and the truth."""

    date: str
    payloads: list[bytes]
    truth: Truth

    @property
    def events(self) -> int:
        return self.truth.total(self.date)

    def lambda_events(self) -> list[dict[str, Any]]:
        return [subscription_event(raw) for raw in self.payloads]


def batch_sizes(rng: random.Random, total: int, largest: int) -> list[int]:
    """Sizes 1..largest summing to `total`, log-uniform so 1, tens and thousands all occur."""
    sizes: list[int] = []
    left = total
    while left > 0:
        size = min(left, largest, int(10 ** rng.uniform(0, math.log10(largest + 1))))
        sizes.append(max(1, size))
        left -= sizes[-1]
    return sizes


def generate_day(
    seed: int,
    events: int,
    date: str = "2025-11-26",
    largest: int = 10_000,
    cross_midnight: bool = True,
    sizes: list[int] | None = None,
) -> Day:
    """A day of batches across both log groups; the last batch crosses into the next day."""
    rng = random.Random(seed)
    start = day_start_ms(date)
    truth = Truth()
    payloads = []
    sizes = sizes or batch_sizes(rng, events, largest)
    for index, size in enumerate(sizes):
        group = GROUPS[index % 2]
        last = cross_midnight and index == len(sizes) - 1
        first_ts = start + DAY_MS - 60_000 if last else start + rng.randrange(DAY_MS - HOUR_MS)
        span = 120_000 if last else rng.randrange(1, HOUR_MS)
        stream = f"i-{seed:04x}{index:012x}"
        batch = []
        for n in range(size):
            stamp = first_ts + span * n // size
            _, level, rules, template = rng.choices(TEMPLATES, _WEIGHTS)[0]
            message = template.format(n=rng.randrange(1, 1000))
            event_id = f"{stamp:020d}{seed:08d}{index:08d}{n:020d}"
            batch.append({"id": event_id, "timestamp": stamp, "message": message})
            truth.add(group, stamp, level, rules)
        payloads.append(compress(envelope(batch, log_group=group, log_stream=stream)))
    return Day(date, payloads, truth)


# -- what a run produced ---------------------------------------------------------------------


def merged_partials(s3: Any, bucket: str, date: str) -> aggregate.Partial:
    """Every partial of the day under aggregates/, merged with each batch counted once (a bundle
    overlapping batches already counted is rebuilt from its archive, as the daily job does)."""
    from daily_report.source import Deduper
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
        entry = found.setdefault(group, _empty_counts())
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


# -- delivery the way Lambda does it --------------------------------------------------------


def failure_record(event: dict[str, Any], error: BaseException, attempts: int = ATTEMPTS) -> dict[str, Any]:
    """The on-failure destination record Lambda sends after the last async attempt fails."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:StreamProcessor:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": str(error)[:200], "errorType": type(error).__name__},
    }


@dataclass
class Delivery:
    """Invokes a handler as Lambda's async invoker does; exhausted events go to the failure queue."""

    handler: Callable[[dict[str, Any], Any], Any]
    sqs: Any = None
    queue_url: str = ""
    attempts: list[int] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)

    def __call__(self, event: dict[str, Any]) -> bool:
        """True when some attempt succeeded; False when the event went to the failure queue."""
        error: BaseException | None = None
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self.handler(event, None)
            except Exception as exc:  # any error is what Lambda sees: it retries
                error = exc
                self.failures.append(exc)
                continue
            self.attempts.append(attempt)
            return True
        assert error is not None
        if not self.queue_url:
            raise error
        self.sqs.send_message(
            QueueUrl=self.queue_url, MessageBody=orjson.dumps(failure_record(event, error)).decode()
        )
        self.attempts.append(ATTEMPTS + 1)
        return False


def deliver_all(deliver: Delivery, events: list[dict[str, Any]], workers: int = 8) -> list[bool]:
    """Deliver events concurrently, as Lambda runs concurrent invocations; results in event order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(deliver, events))


@contextlib.contextmanager
def proxied(aws: dict[str, Any], seed: int = 7) -> Iterator[FaultProxy]:
    """Route every boto3 client created inside through a fresh fault proxy (caches cleared)."""
    from aws_lambda_powertools.utilities import parameters

    from stream_processor import handler

    previous = os.environ["AWS_ENDPOINT_URL"]
    with FaultProxy(aws["endpoint"], seed=seed) as proxy:
        os.environ["AWS_ENDPOINT_URL"] = proxy.endpoint
        parameters.clear_caches()
        handler._ingest.cache_clear()
        try:
            yield proxy
        finally:
            os.environ["AWS_ENDPOINT_URL"] = previous
            parameters.clear_caches()
            handler._ingest.cache_clear()


def make_queue(name: str = "failures") -> tuple[Any, str]:
    """A fresh SQS queue standing in for the on-failure destination (FailureQueue)."""
    import boto3

    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"{name}-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    return sqs, url


def queue_depth(sqs: Any, queue_url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def redrive_status(queue_url: str) -> tuple[int, str]:
    """`logreview replay --from-dlq QUEUE_URL` in-process: its exit status and summary output."""
    from stream_processor.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["replay", "--from-dlq", queue_url])
    return status, out.getvalue()


def redrive(queue_url: str) -> str:
    """The re-drive of stream batches, which must succeed (exit status 0); its summary output."""
    status, out = redrive_status(queue_url)
    assert status == 0, out
    return out


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
