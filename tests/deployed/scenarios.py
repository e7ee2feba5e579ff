"""What each function's code does in one run (SCENARIOS, by handler) and what its role must not
allow (FORBIDDEN, by role). Both run inside `acting_as`: clients made here use the identity's keys.

A scenario raises if any call failed: a ClientError from the handler, or an AssertionError carrying
the error the code reported instead of raising (a replay message's failure).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3

from tests.support.builders import (
    compress,
    envelope,
    kinesis_event,
    log_event,
    stop_logging,
    subscription_event,
)

from .conftest import Fed
from .emulator import captured_output


def _client(service: str) -> Any:
    return boto3.client(service)  # type: ignore[call-overload]


def _sqs_event(fed: Fed, body: str) -> dict[str, Any]:
    queue_arn = (
        f"arn:aws:sqs:{fed.stack.region}:123456789012:{fed.stack.physical['ReplayQueue'].rsplit('/', 1)[1]}"
    )
    record = {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "handle",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": fed.stack.region,
    }
    return {"Records": [record]}


def _new_detection(group: str, now: int) -> dict[str, Any]:
    """A batch holding a critical detection nobody was notified of yet (a principal of its own):
    the alert path runs in full (dedup state in alerts/, SNS, EventBridge), never a repeat."""
    record = json.loads(stop_logging(now))
    name = f"mallory-{uuid.uuid4().hex[:8]}"
    record["userIdentity"].update(userName=name, arn=f"arn:aws:iam::123456789012:user/{name}")
    return subscription_event(compress(envelope([log_event(json.dumps(record), now)], log_group=group)))


def _notified(output: str) -> int:
    """Detections the processor notified, from its "detections" log lines."""
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return sum(line.get("notify", 0) for line in lines if line.get("message") == "detections")


def stream_processor(fed: Fed) -> None:
    """A live batch (archive, partial, config), a detection (alerts/ state, SNS, EventBridge), a bad
    payload (quarantine), a replay (archive read)."""
    from stream_processor.handler import lambda_handler
    from stream_processor.replay import queue
    from stream_processor.replay.days import DayRange
    from stream_processor.replay.select import SourceObject

    group = fed.groups["AdminLogGroup"]
    now = int(time.time() * 1000)
    raw = compress(
        envelope([log_event("ERROR sudo: authentication failure user=carol", now)], log_group=group)
    )
    assert lambda_handler(subscription_event(raw), None)["processed"] == 1
    with captured_output() as output:
        assert lambda_handler(_new_detection(group, now), None)["processed"] == 1
    assert _notified(output.getvalue()) == 1, output.getvalue()[-2000:]
    bad = {"awslogs": {"data": base64.b64encode(b"not gzip").decode()}}
    assert lambda_handler(bad, None)["quarantined"] == 1
    bucket = fed.stack.physical["ReportBucket"]
    message = queue.encode_message(
        SourceObject(bucket, fed.archived[0], 0, "archive"), DayRange.parse(None, None)
    )
    result = lambda_handler(_sqs_event(fed, message), None)
    failures = [repr(info[1]) for info in queue._processor.exceptions]
    assert result == {"batchItemFailures": []}, f"replay failed: {failures}"


def daily_report(fed: Fed) -> None:
    """The test day's report: partials and the earlier report read, three objects, metrics, SNS,
    and the reconciliation with CloudWatch's counts (metrics, then Logs Insights)."""
    from daily_report.handler import lambda_handler

    with captured_output() as output:
        summary = lambda_handler({"date": fed.day}, None)
    assert len(summary["keys"]) == 3 and summary["notification"]
    # reconciliation never fails the run: it logs why it was skipped
    skipped = [line for line in output.getvalue().splitlines() if "reconciliation skipped" in line]
    assert summary["reconcile_gap"] is not None, f"reconciliation skipped: {skipped}"


def overlap_hour() -> str:
    """Today's 00 UTC hour: where `seed_overlapping_bundles` puts its bundles (after every test-day
    key, so the stack tests' `archive/` order is unchanged, and outside the test day's report)."""
    return time.strftime("%Y-%m-%dT00", time.gmtime())


def overlapping_bundles(group: str) -> list[dict[str, Any]]:
    """Two Kinesis-mode invocations regrouping batches [a, b] then [b, c]: the second bundle
    overlaps the first, so its hour's rollup rebuilds it from the archive without b, with the
    configured rules (the rollup's ReadConfig statement)."""
    midnight = int(time.time()) // 86_400 * 86_400_000
    a, b, c = (
        compress(envelope([log_event(f"ERROR overlap batch {name}", midnight + i)], log_group=group))
        for i, name in enumerate("abc")
    )
    return [kinesis_event([a, b]), kinesis_event([b, c])]


def rollup(fed: Fed) -> None:
    """Every hour of the test day rolled up (reads partials, writes rollups/), and an hour whose
    bundles overlap (a rebuild from archive/ with the rules from SSM), each batch counted once."""
    from daily_report.rollup import lambda_handler  # type: ignore[import-not-found,unused-ignore]

    # a fresh token makes every hour's rollup be written (as DailyReport's fan-out asks)
    summary = lambda_handler({"date": fed.day, "token": uuid.uuid4().hex}, None)
    assert len(summary["hours"]) == 24, summary
    hour = overlap_hour()
    lambda_handler({"hour": hour, "token": uuid.uuid4().hex}, None)
    day, hh = hour.split("T")
    body = (
        _client("s3")
        .get_object(Bucket=fed.stack.physical["ReportBucket"], Key=f"rollups/dt={day}/hour={hh}.json")["Body"]
        .read()
    )
    # the rollup counts a, b and c, b once (its multi-batch bundles' ids: exactly-once across them)
    assert len(json.loads(body).get("batch_ids", "").split()) == 3, body[:500]


def forget_overlap_rollup(fed: Fed) -> None:
    """Run as the deployer before each rollup scenario: the overlap hour's rollup deleted, so every
    run rebuilds the overlapping bundle (reading the rules) instead of finding the hour rolled up."""
    day, hh = overlap_hour().split("T")
    key = f"rollups/dt={day}/hour={hh}.json"
    fed.stack.client("s3").delete_object(Bucket=fed.stack.physical["ReportBucket"], Key=key)


def evidence(fed: Fed) -> None:
    """The test day sealed: its archive and report versions listed and hashed, the digest signed with
    the stack's key (kms:Sign) and written once to evidence/."""
    from daily_report.evidence.handler import lambda_handler

    summary = lambda_handler({"date": fed.day}, None)
    assert summary["written"] and summary["objects"] >= len(fed.archived), summary


def forget_digest(fed: Fed) -> None:
    """Run as the deployer before each evidence scenario: the day's digest deleted, so every run
    seals again (a sealed day is left as it is)."""
    key = f"evidence/dt={fed.day}/digest.json"
    fed.stack.client("s3").delete_object(Bucket=fed.stack.physical["ReportBucket"], Key=key)


ONBOARD_PREFIX = "/onboard-scenario/"  # the first deployment selects it (conftest.PREFIXES)
_created: list[str] = []  # the group `new_group_to_onboard` made for the next onboard scenario


def new_group_to_onboard(fed: Fed) -> Callable[[], None]:
    """Run as the deployer before each onboard scenario: the stack's config selects ONBOARD_PREFIX
    (added to the deployed document), and a new group under it exists, not subscribed yet. Returns
    the undo: the document as deployed, since a prefix the stack's parameters did not name is one
    the other roles were not granted (the daily report's FindPrefixedLogGroups)."""
    ssm, name = fed.stack.client("ssm"), fed.stack.physical["ConfigParameter"]
    deployed = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    doc = json.loads(deployed)
    if ONBOARD_PREFIX not in doc["LogConfig"].get("LogGroupPrefixes", []):
        doc["LogConfig"]["LogGroupPrefixes"] = [*doc["LogConfig"].get("LogGroupPrefixes", []), ONBOARD_PREFIX]
        ssm.put_parameter(Name=name, Value=json.dumps(doc), Type="String", Overwrite=True)
    group = f"{ONBOARD_PREFIX}{uuid.uuid4().hex[:8]}"
    fed.stack.client("logs").create_log_group(logGroupName=group)
    _created[:] = [group]

    def undo() -> None:
        ssm.put_parameter(Name=name, Value=deployed, Type="String", Overwrite=True)

    return undo


def onboard(fed: Fed) -> None:
    """A new group from its CreateLogGroup event (config read, filters read, filter put), then the
    sweep (every selected group listed: the seed groups found subscribed by the stack)."""
    from stream_processor.onboard.handler import lambda_handler

    (group,) = _created
    created = {
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.logs",
        "detail": {"eventName": "CreateLogGroup", "requestParameters": {"logGroupName": group}},
    }
    assert lambda_handler(created, None)["subscribed"] == [group]
    swept = lambda_handler({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}, None)
    assert swept["failed"] == {} and swept["subscribed"] == [], swept
    assert swept["groups"] >= 3  # the two seed groups and at least this one


# Set-up a scenario needs before each run, done with the deployer's rights (not the role's); what it
# returns, if anything, undoes it after the run.
PREPARE: dict[str, Callable[[Fed], Callable[[], None] | None]] = {
    "daily_report.rollup.lambda_handler": forget_overlap_rollup,
    "daily_report.evidence.handler.lambda_handler": forget_digest,
    "stream_processor.onboard.handler.lambda_handler": new_group_to_onboard,
}

SCENARIOS: dict[str, Callable[[Fed], None]] = {
    "daily_report.rollup.lambda_handler": rollup,
    "stream_processor.handler.lambda_handler": stream_processor,
    "daily_report.handler.lambda_handler": daily_report,
    "daily_report.evidence.handler.lambda_handler": evidence,
    "stream_processor.onboard.handler.lambda_handler": onboard,
}

ELSEWHERE = "logreview-iam-elsewhere"  # a bucket outside the stack


def _put(key: str, bucket: str | None = None) -> Callable[[Fed], Any]:
    return lambda fed: _client("s3").put_object(
        Bucket=bucket or fed.stack.physical["ReportBucket"], Key=key, Body=b"x", ServerSideEncryption="AES256"
    )


def _get(key: str) -> Callable[[Fed], Any]:
    return lambda fed: _client("s3").get_object(Bucket=fed.stack.physical["ReportBucket"], Key=key)


def _delete(prefix: str) -> Callable[[Fed], Any]:
    return lambda fed: _client("s3").delete_object(
        Bucket=fed.stack.physical["ReportBucket"], Key=f"{prefix}dt={fed.day}/x"
    )


def _send(queue: str) -> Callable[[Fed], Any]:
    return lambda fed: _client("sqs").send_message(QueueUrl=fed.stack.physical[queue], MessageBody="{}")


def _receive(queue: str) -> Callable[[Fed], Any]:
    return lambda fed: _client("sqs").receive_message(QueueUrl=fed.stack.physical[queue])


def _list(fed: Fed) -> Any:
    return _client("s3").list_objects_v2(Bucket=fed.stack.physical["ReportBucket"], Prefix="archive/")


def _put_parameter(fed: Fed) -> Any:
    return _client("ssm").put_parameter(
        Name=fed.stack.physical["ConfigParameter"], Value="{}", Type="String", Overwrite=True
    )


FORBIDDEN: dict[str, list[tuple[str, Callable[[Fed], Any]]]] = {
    "StreamProcessorRole": [
        ("DeleteObject archive/", _delete("archive/")),
        ("DeleteObject reports/", _delete("reports/")),
        ("DeleteObject aggregates/", _delete("aggregates/")),
        ("PutObject reports/", _put("reports/2020/01/01/log_review.html")),
        ("GetObject reports/", _get("reports/2020/01/01/log_review.html")),
        ("PutObject another bucket", _put("archive/x", ELSEWHERE)),
        ("ListBucket", _list),
        ("SendMessage replay queue", _send("ReplayQueue")),
        ("ReceiveMessage failure queue", _receive("FailureQueue")),
        ("PutParameter", _put_parameter),
        (
            "PutMetricData",
            lambda fed: _client("cloudwatch").put_metric_data(
                Namespace="LogProcessor", MetricData=[{"MetricName": "EventCount", "Value": 1}]
            ),
        ),
        # sns:Publish on the alert topic is allowed since issue 17: the processor sends detections
    ],
    "RollupRole": [
        ("DeleteObject aggregates/", _delete("aggregates/")),
        ("DeleteObject rollups/", _delete("rollups/")),
        ("PutObject aggregates/", _put("aggregates/dt=2020-01-01/x.json")),
        ("PutObject reports/", _put("reports/2020/01/01/log_review.html")),
        ("GetObject reports/", _get("reports/2020/01/01/log_review.html")),
        ("DeleteObject archive/", _delete("archive/")),  # it may read archive/ (dedup rebuild), never delete
        ("PutObject another bucket", _put("rollups/x", ELSEWHERE)),
        ("SendMessage replay queue", _send("ReplayQueue")),
        ("PutParameter", _put_parameter),
    ],
    "DailyReportRole": [
        ("DeleteObject reports/", _delete("reports/")),
        ("DeleteObject aggregates/", _delete("aggregates/")),
        ("PutObject archive/", _put("archive/x")),
        ("PutObject aggregates/", _put("aggregates/dt=2020-01-01/x.json")),
        ("DeleteObject archive/", _delete("archive/")),  # it may read archive/ (dedup rebuild), never delete
        ("PutObject another bucket", _put("reports/x", ELSEWHERE)),
        ("SendMessage replay queue", _send("ReplayQueue")),
        ("ReceiveMessage replay queue", _receive("ReplayQueue")),
        ("PutParameter", _put_parameter),
    ],
    "OnboardRole": [
        # it adds filters; it never removes or replaces another's, nor touches the groups themselves
        (
            "DeleteSubscriptionFilter",
            lambda fed: _client("logs").delete_subscription_filter(
                logGroupName=fed.groups["AdminLogGroup"], filterName=f"{fed.stack.name}-admin"
            ),
        ),
        (
            "DeleteLogGroup",
            lambda fed: _client("logs").delete_log_group(logGroupName=fed.groups["AdminLogGroup"]),
        ),
        (
            "PutRetentionPolicy",
            lambda fed: _client("logs").put_retention_policy(
                logGroupName=fed.groups["AdminLogGroup"], retentionInDays=1
            ),
        ),
        ("PutObject archive/", _put("archive/x")),
        ("GetObject reports/", _get("reports/2020/01/01/log_review.html")),
        ("SendMessage replay queue", _send("ReplayQueue")),
        ("PutParameter", _put_parameter),
    ],
    "EvidenceRole": [
        ("DeleteObject archive/", _delete("archive/")),
        ("DeleteObject reports/", _delete("reports/")),
        ("DeleteObject evidence/", _delete("evidence/")),
        ("PutObject archive/", _put("archive/x")),
        ("PutObject reports/", _put("reports/2020/01/01/log_review.html")),
        ("GetObject aggregates/", _get("aggregates/dt=2020-01-01/x.json")),
        ("PutObject another bucket", _put("evidence/x", ELSEWHERE)),
        ("SendMessage replay queue", _send("ReplayQueue")),
        ("PutParameter", _put_parameter),
    ],
}
