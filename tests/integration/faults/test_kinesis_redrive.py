"""`logreview replay --from-dlq` for a Kinesis mapping's on-failure records, against moto's server:
the record names a shard and a sequence range (no payloads); the re-drive reads those records
back from the stream and ingests them as the one invocation that failed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import orjson

from stream_processor.handler import lambda_handler
from stream_processor.sinks import archive_body
from tests.support.aws import list_keys
from tests.support.builders import kinesis_event
from tests.support.generated_day import generate_day
from tests.support.lambda_delivery import make_queue, queue_depth, redrive, redrive_status
from tests.support.readers import assert_exact


def _stream_with(records: list[bytes]) -> tuple[str, str, list[str]]:
    """A one-shard stream holding `records`: (stream ARN, shard id, sequence numbers)."""
    kinesis = boto3.client("kinesis")
    name = f"logs-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    numbers = []
    for data in records:
        put = kinesis.put_record(StreamARN=arn, Data=data, PartitionKey="logs")
        numbers.append(put["SequenceNumber"])
    return arn, put["ShardId"], numbers


def _failure_record(
    arn: str, shard: str, first: str, last: str, size: int, arrived: str = "2025-11-26T12:00:00.000Z"
) -> bytes:
    """What a Kinesis event source mapping sends its on-failure destination."""
    return orjson.dumps(
        {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:logreview-stream-processor",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": 11,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "version": "1.0",
            "timestamp": "2025-11-26T12:00:10.000Z",
            "KinesisBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": first,
                "endSequenceNumber": last,
                "approximateArrivalOfFirstRecord": arrived,
                "approximateArrivalOfLastRecord": "2025-11-26T12:00:05.000Z",
                "batchSize": size,
                "streamArn": arn,
            },
        }
    )


def test_a_kinesis_failure_record_is_read_back_from_the_stream_and_ingested(aws: dict[str, Any]) -> None:
    day = generate_day(seed=51, events=900, largest=150, cross_midnight=False)
    before, failed, after = [b"\x1f\x8b-other-1"], day.payloads, [b"\x1f\x8b-other-2"]
    arn, shard, numbers = _stream_with(before + failed + after)
    sqs, queue = make_queue()
    first, last = numbers[1], numbers[len(failed)]
    sqs.send_message(
        QueueUrl=queue, MessageBody=_failure_record(arn, shard, first, last, len(failed)).decode()
    )

    assert "1 messages, 1 deleted" in redrive(queue)
    assert queue_depth(sqs, queue) == 0
    s3, bucket = aws["s3"], aws["bucket"]
    (archive,) = list_keys(s3, bucket, "archive/")
    assert s3.get_object(Bucket=bucket, Key=archive)["Body"].read() == archive_body(failed)  # only the range
    assert list_keys(s3, bucket, "quarantine/") == []  # the records around it were not touched
    assert_exact(s3, bucket, day.truth, day.date)

    def written() -> dict[str, bytes]:  # alert state is the live path's own (a re-drive never notifies)
        keys = [k for k in list_keys(s3, bucket) if not k.startswith("alerts/")]
        return {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}

    live = written()
    lambda_handler(kinesis_event(failed), None)  # what the live invocation would have written
    assert written() == live


def test_records_past_the_streams_retention_are_reported_and_the_message_kept(aws: dict[str, Any]) -> None:
    day = generate_day(seed=52, events=200, largest=60, cross_midnight=False)
    arn, shard, numbers = _stream_with(day.payloads)
    sqs, queue = make_queue()
    record = _failure_record(arn, shard, numbers[0], numbers[-1], len(day.payloads) + 3)
    sqs.send_message(QueueUrl=queue, MessageBody=record.decode())

    status, out = redrive_status(queue)
    assert status == 1, out
    # The record says the batch arrived 2025-11-26 12:00; moto's stream keeps records 24 h.
    assert f"3 of {len(day.payloads) + 3} records EXPIRED from the stream" in out
    assert "arrived 2025-11-26 12:00 UTC and the stream keeps records 24 h" in out
    assert "gone since 2025-11-27 12:00 UTC" in out and "--format export" in out
    assert f"re-processed the {len(day.payloads)} still there" in out
    assert queue_depth(sqs, queue) == 1  # kept for the operator
    assert_exact(aws["s3"], aws["bucket"], day.truth, day.date)  # what was there is ingested


def test_a_deleted_stream_is_named_and_the_message_kept(aws: dict[str, Any]) -> None:
    """Switching IngestMode to Direct deletes the stream: its failure records can only point at nothing."""
    arn, shard, numbers = _stream_with([b"\x1f\x8b-gone"])
    boto3.client("kinesis").delete_stream(StreamARN=arn)
    sqs, queue = make_queue()
    sqs.send_message(
        QueueUrl=queue, MessageBody=_failure_record(arn, shard, numbers[0], numbers[0], 1).decode()
    )

    status, out = redrive_status(queue)
    assert status == 1, out
    assert "1 of 1 records are gone: the stream no longer exists" in out
    assert queue_depth(sqs, queue) == 1
    assert list_keys(aws["s3"], aws["bucket"], "archive/") == []


def test_records_missing_within_retention_are_not_called_expired(aws: dict[str, Any]) -> None:
    arn, shard, numbers = _stream_with([b"\x1f\x8b-one"])
    sqs, queue = make_queue()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    record = _failure_record(arn, shard, numbers[0], numbers[0], 2, arrived=now)
    sqs.send_message(QueueUrl=queue, MessageBody=record.decode())

    status, out = redrive_status(queue)
    assert status == 1, out
    assert "1 of 2 records are not in the stream although within its 24 h retention" in out
    assert "EXPIRED" not in out
    assert queue_depth(sqs, queue) == 1
