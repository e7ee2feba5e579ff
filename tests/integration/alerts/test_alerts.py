"""Notifications per detection against moto's server: an SQS queue on the alert topic, an
EventBridge rule with an SQS target. Exactly one message per (rule, key, window), with context."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import orjson
from aws_lambda_powertools.utilities import parameters

from stream_processor.config import default_config_json
from stream_processor.handler import lambda_handler
from tests.support.alerting import AlertPlumbing, alert_entries
from tests.support.aws import list_keys
from tests.support.builders import compress, envelope, log_event, stop_logging, subscription_event

NOW_MS = int(time.time() * 1000) // 3_600_000 * 3_600_000 - 3_600_000  # the start of the last full hour
ATTACKER = "203.0.113.77"
TRAIL_RULE = r'"eventName"\s*:\s*"(?:StopLogging|DeleteTrail)"'


def configure(aws: dict[str, Any], **sections: Any) -> None:
    """Replace the config document (sections merged over the default document)."""
    doc = orjson.loads(default_config_json(aws["bucket"]))
    doc.update(sections)
    boto3.client("ssm").put_parameter(
        Name=aws["parameter"], Type="String", Value=orjson.dumps(doc).decode(), Overwrite=True
    )
    parameters.clear_caches()


def trail_batch(ts: int = NOW_MS + 60_000) -> bytes:
    events = [log_event("GetCallerIdentity ok", ts - 1000), log_event(stop_logging(ts), ts)]
    return compress(
        envelope(events, log_group="/aws/cloudtrail", log_stream="123456789012_CloudTrail_us-east-1")
    )


def failed_logins(count: int, start: int = NOW_MS + 120_000, address: str = ATTACKER) -> list[dict[str, Any]]:
    return [
        log_event(
            f"Dec 10 06:55:46 bastion sshd[{2400 + i}]: Failed password for invalid user admin{i} "
            f"from {address} port {50000 + i} ssh2",
            start + i * 5_000,  # 50 events in about 4 minutes
        )
        for i in range(count)
    ]


def trail_config(aws: dict[str, Any]) -> None:
    """The built-in CIS rule `cis_cloudtrail_stopped` (critical) needs no configuration."""


def test_stop_logging_sends_one_message_with_the_context(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    trail_config(aws)
    raw = trail_batch()
    lambda_handler(subscription_event(raw), None)
    (message,) = plumbing.notifications(wait=2)
    assert (
        message["Subject"]
        == "[CRITICAL] cis_cloudtrail_stopped in /aws/cloudtrail: arn:aws:iam::123456789012:user/mallory"
    )
    text = message["Message"]
    for expected in (
        "cis_cloudtrail_stopped (critical)",
        "CIS AWS 4.5 / Security Hub CloudWatch.5",
        "log group /aws/cloudtrail, stream 123456789012_CloudTrail_us-east-1",
        "principal arn:aws:iam::123456789012:user/mallory",
        "action StopLogging",
        "source 198.51.100.23",
        "1 event(s) in the window",
        '"eventName":"StopLogging"',
        "Next:",
    ):
        assert expected in text, expected
    (archive,) = list_keys(aws["s3"], aws["bucket"], "archive/")
    assert f"s3://{aws['bucket']}/{archive}" in text
    assert message["MessageAttributes"]["severity"]["Value"] == "critical"
    (event,) = plumbing.events(wait=2)
    assert event["source"] == "logreview" and event["detail-type"] == "Detection"
    detail = event["detail"]
    assert detail["rule"] == "cis_cloudtrail_stopped" and detail["severity"] == "critical"
    assert detail["archive_key"] == archive and detail["batch_id"] in archive
    assert detail["first_time"].startswith(
        time.strftime("%Y-%m-%d %H:%M", time.gmtime((NOW_MS + 60_000) // 1000))
    )
    (state,) = list_keys(aws["s3"], aws["bucket"], "alerts/")
    head = aws["s3"].head_object(Bucket=aws["bucket"], Key=state)
    assert head["ServerSideEncryption"] == "AES256"


def test_three_redeliveries_and_four_threads_still_send_one(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    trail_config(aws)
    event = subscription_event(trail_batch())
    for _ in range(3):
        lambda_handler(event, None)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda e: lambda_handler(e, None), [event] * 4))
    assert len(plumbing.notifications(wait=2)) == 1
    assert len(plumbing.events(wait=1)) == 1


def test_four_threads_at_once_on_a_fresh_window_send_one(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    trail_config(aws)
    event = subscription_event(trail_batch())
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda e: lambda_handler(e, None), [event] * 4))
    assert len(plumbing.notifications(wait=2)) == 1


BRUTE_FORCE_PAGES = {"Incidents": {"NotifyBruteForce": "at_threshold"}}


def test_a_brute_force_alone_is_held_from_the_topic_by_default(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    """Without a login from the address, the brute force is a detection (EventBridge), not a page."""
    lambda_handler(subscription_event(compress(envelope(failed_logins(50)))), None)
    assert plumbing.notifications(wait=1) == []
    (event,) = plumbing.events(wait=2)
    assert event["detail"]["rule"] == "auth_failure" and event["detail"]["count"] == 50


def test_fifty_failed_logins_from_one_address_send_one_thresholded_message(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    configure(aws, Alerts=BRUTE_FORCE_PAGES)
    lambda_handler(subscription_event(compress(envelope(failed_logins(50)))), None)
    (message,) = plumbing.notifications(wait=2)
    assert message["Subject"] == f"[HIGH] auth_failure in /admin/logs: {ATTACKER}"
    assert "50 event(s) in the window" in message["Message"]
    assert "alerted at 20 within 300 s" in message["Message"] and "ssh_failed_login" in message["Message"]


class KinesisModeContext:
    """The LambdaContext attributes the handler reads, 300 s left (the Kinesis-mode timeout)."""

    function_name = "StreamProcessor"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:StreamProcessor"
    aws_request_id = "c0ffee00-0000-4000-8000-000000000001"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def test_the_notification_mark_is_held_until_the_invocation_is_stopped(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    before = int(time.time() * 1000)
    lambda_handler(subscription_event(trail_batch()), KinesisModeContext())  # type: ignore[arg-type]
    (entry,) = [e for e in alert_entries(aws["s3"], aws["bucket"]) if e["rule"] == "cis_cloudtrail_stopped"]
    held = entry["notified"]["until"] - before
    assert 330_000 <= held < 340_000  # 300 s left + 30 s margin, not the 90 s default lease


def test_three_failed_logins_send_nothing(aws: dict[str, Any], plumbing: AlertPlumbing) -> None:
    lambda_handler(subscription_event(compress(envelope(failed_logins(3)))), None)
    assert plumbing.notifications(wait=0.5) == []
    assert plumbing.events() == []


def test_failures_spread_over_many_small_batches_reach_the_threshold_once(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    """25 one-event batches from one address, from 4 threads: the 20th crosses; one message."""
    configure(aws, Alerts=BRUTE_FORCE_PAGES)
    batches = [subscription_event(compress(envelope([e]))) for e in failed_logins(25)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda e: lambda_handler(e, None), batches))
    (message,) = plumbing.notifications(wait=2)
    assert f"{ATTACKER}" in message["Subject"]
    (state,) = alert_entries(aws["s3"], aws["bucket"])
    assert state["n"] == 25 and len(state["batches"]) == 25
    assert state["notified"]["state"] == "sent" and state["notified"]["count"] >= 20


def test_replay_sends_nothing(aws: dict[str, Any], plumbing: AlertPlumbing) -> None:
    from stream_processor.cli import main
    from stream_processor.replay.days import DayRange
    from stream_processor.replay.queue import consume, encode_message
    from stream_processor.replay.select import SourceObject

    trail_config(aws)
    raw = trail_batch()
    lambda_handler(subscription_event(raw), None)
    assert len(plumbing.notifications(wait=2)) == 1
    assert len(plumbing.events(wait=1)) == 1
    s3, bucket = aws["s3"], aws["bucket"]
    for key in list_keys(s3, bucket, "alerts/"):
        s3.delete_object(Bucket=bucket, Key=key)  # forget the dedup state: only "replay" may stop it now
    (archive,) = list_keys(s3, bucket, "archive/")
    body = encode_message(SourceObject(bucket, archive, 0, "archive"), DayRange())
    result = consume({"Records": [sqs_record(body)]}, None)
    assert result == {"batchItemFailures": []}
    day = archive.split("/")[1].removeprefix("dt=")
    assert main(["replay", f"s3://{bucket}", "--since", day, "--until", day]) == 0  # in process
    assert plumbing.notifications(wait=1) == []
    assert plumbing.events() == []
    assert list_keys(s3, bucket, "alerts/") == []


def sqs_record(body: str) -> dict[str, Any]:
    return {
        "messageId": "m-1",
        "receiptHandle": "r-1",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:replay",
        "awsRegion": "us-east-1",
    }
