"""Scale-out replay and DLQ re-drive against moto's server over HTTP: keys enqueued, messages
consumed by the StreamProcessor handler (one failing message reported as a batch item failure),
and `--from-dlq` deleting only what succeeded."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import orjson
import pytest

from stream_processor.cli import main
from stream_processor.handler import lambda_handler
from tests.support.aws import list_keys
from tests.support.builders import compress, envelope, log_event, subscription_event
from tests.unit.stream_processor.replay.test_replay_formats import NOON


@pytest.fixture
def queue(aws: dict[str, Any]) -> tuple[Any, str]:
    sqs = boto3.client("sqs")
    return sqs, sqs.create_queue(QueueName=f"replay-{uuid.uuid4().hex[:8]}")["QueueUrl"]


def receive_all(sqs: Any, url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get(
        "Messages"
    ):
        found.extend(batch)
    return found


def sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping hands the function."""
    records = [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:replay",
            "awsRegion": "us-east-1",
        }
        for m in messages
    ]
    return {"Records": records}


def live(groups: int = 3) -> list[bytes]:
    raws = [
        compress(envelope([log_event(f"ERROR e{i}", NOON + i)], log_stream=f"s{i}")) for i in range(groups)
    ]
    for raw in raws:
        lambda_handler(subscription_event(raw), None)
    return raws


def test_queue_mode_enqueues_and_the_handler_reports_one_failure(
    aws: dict[str, Any], queue: tuple[Any, str], capsys: pytest.CaptureFixture[str]
) -> None:
    (sqs, url), s3, bucket = queue, aws["s3"], aws["bucket"]
    live(12)  # more than one SendMessageBatch call
    partials = {
        k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in list_keys(s3, bucket, "aggregates/")
    }
    for key in partials:
        s3.delete_object(Bucket=bucket, Key=key)

    assert main(["replay", f"s3://{bucket}", "--via-queue", url, "--since", "2025-11-26"]) == 0
    assert "enqueued 12 objects" in capsys.readouterr().out
    messages = receive_all(sqs, url)
    body = orjson.loads(messages[0]["Body"])
    assert body["v"] == 1 and body["format"] == "archive" and body["since"] == "2025-11-26"
    assert sorted(orjson.loads(m["Body"])["key"] for m in messages) == list_keys(s3, bucket, "archive/")

    broken = dict(
        messages[5], Body=orjson.dumps({**body, "key": "archive/dt=2025-11-26/missing.gz"}).decode()
    )
    response = lambda_handler(sqs_event([*messages[:5], broken, *messages[6:]]), None)
    assert response == {"batchItemFailures": [{"itemIdentifier": messages[5]["MessageId"]}]}
    restored = list_keys(s3, bucket, "aggregates/")
    assert len(restored) == 11 and all(
        s3.get_object(Bucket=bucket, Key=k)["Body"].read() == partials[k] for k in restored
    )


def failure_record(event: dict[str, Any]) -> str:
    """A Lambda on-failure destination record, as the StreamProcessor's FailureQueue holds them."""
    record = {
        "version": "1.0",
        "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "responsePayload": {"errorType": "ClientError", "errorMessage": "SlowDown"},
    }
    return orjson.dumps(record).decode()


def test_from_dlq_redrives_and_deletes_only_what_succeeded(
    aws: dict[str, Any], queue: tuple[Any, str], capsys: pytest.CaptureFixture[str]
) -> None:
    (sqs, url), s3, bucket = queue, aws["s3"], aws["bucket"]
    good = compress(envelope([log_event("ERROR e", NOON), log_event("INFO ok", NOON + 1)]))
    missing = {"v": 1, "bucket": bucket, "key": "archive/dt=2025-11-26/gone.gz", "format": "archive"}
    bodies = [
        failure_record(subscription_event(good)),  # re-processed, deleted
        failure_record({"awslogs": {"data": "not base64!"}}),  # quarantined: done, deleted
        orjson.dumps(missing).decode(),  # object gone: fails, kept
        orjson.dumps({"source": "aws.events", "detail-type": "Scheduled Event"}).decode(),  # not ours: kept
    ]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)

    assert main(["replay", "--from-dlq", url, "--dry-run"]) == 1  # counts, deletes nothing
    assert list_keys(s3, bucket, "aggregates/") == [] and len(receive_all(sqs, url)) == 4  # all still there
    sqs.purge_queue(QueueUrl=url)
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    capsys.readouterr()

    assert main(["replay", "--from-dlq", url]) == 1
    out = capsys.readouterr().out
    assert (
        "1 batches, 2 events, 1 skipped, 1 quarantined, 1 failed" in out
        and "4 messages, 2 deleted, 2 kept" in out
    )
    assert len(list_keys(s3, bucket, "aggregates/")) == 1 and len(list_keys(s3, bucket, "quarantine/")) == 2
    left = sorted(m["Body"] for m in receive_all(sqs, url))  # visible again straight away
    assert left == sorted(bodies[2:])
