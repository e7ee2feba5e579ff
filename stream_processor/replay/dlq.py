"""Re-drive a dead-letter queue: `logreview replay --from-dlq QUEUE_URL`.

Understood message bodies:
- a Lambda on-failure destination record (`requestPayload` = the original event): a
  subscription or Kinesis event is re-processed through Ingest exactly as the handler would (one
  invocation); an SQS event's replay messages are replayed;
- a Kinesis event source mapping's on-failure record (`KinesisBatchInfo`: shard and sequence
  range, no payloads): the records are read back from the stream (`kinesis.py`) and re-processed
  as the one invocation that failed;
- a replay message (from the replay queue's own dead-letter queue).

A message is deleted only when everything in it succeeded (a quarantined payload is a success:
it is kept under quarantine/ with its reason). Failed messages, and messages that are neither
(e.g. the DailyReport schedule's dead letters sharing the failure queue), are made visible
again at the end so the next attempt, or their owner, sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from ..decode.sources import event_kind, payloads
from ..errors import LogReviewError
from .formats import Payload
from .kinesis import KinesisBatchInfo, StreamGone, missing, read_batch
from .queue import decode_message, is_replay_message
from .work import ObjectReplayer, Tally, feed_many

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        ChangeMessageVisibilityBatchRequestEntryTypeDef,
        DeleteMessageBatchRequestEntryTypeDef,
        MessageTypeDef,
    )

VISIBILITY_SECONDS = 300  # a received message stays hidden while this run works on it


class NotOurs(LogReviewError):
    """A dead letter that is neither a StreamProcessor destination record nor a replay message."""


class LostRecords(LogReviewError):
    """A Kinesis failure record whose records are (partly) no longer in the stream."""


@dataclass(slots=True)
class Redriver:
    """Re-processes one dead letter with the replay machinery (its Ingest, or a dry run)."""

    replayer: ObjectReplayer
    kinesis: KinesisClient | None = None  # created on first use (only Kinesis failure records need it)

    def message(self, body: str, origin: str) -> Tally:
        if is_replay_message(body):
            obj, window = decode_message(body)
            return self.replayer.replay(obj, window)
        try:
            record = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise NotOurs("not JSON") from None
        batch = KinesisBatchInfo.of(record) if isinstance(record, dict) else None
        if batch is not None:
            return self.kinesis_batch(batch, origin)
        event = record.get("requestPayload") if isinstance(record, dict) else None
        if not isinstance(event, dict):
            raise NotOurs("no requestPayload: not a Lambda on-failure destination record")
        return self.event(event, origin)

    def kinesis_batch(self, batch: KinesisBatchInfo, origin: str) -> Tally:
        """Read the failed batch's records back from its shard and feed them as one invocation."""
        if self.kinesis is None:
            import boto3

            self.kinesis = boto3.client("kinesis")
        try:
            records = read_batch(self.kinesis, batch)
        except StreamGone:
            records = []
        tally = Tally()
        group = [Payload(data, f"dlq:{origin}:{where}") for data, where in records]
        if group:
            feed_many(self.replayer.ingest, group, tally)
        if len(records) != batch.size:  # expired, the stream gone, or a wrong range: say which, keep it
            reason = missing(self.kinesis, batch, len(records), datetime.now(UTC))
            done = f" (re-processed the {len(records)} still there)" if records else ""
            raise LostRecords(reason + done)
        return tally

    def event(self, event: dict[str, Any], origin: str) -> Tally:
        tally = Tally()
        if event_kind(event) == "sqs":
            for record in event["Records"]:
                obj, window = decode_message(record["body"])
                tally.add(self.replayer.replay(obj, window))
            return tally
        group = [Payload(p.data.encode(), f"dlq:{origin}:{p.origin}") for p in payloads(event)]
        feed_many(self.replayer.ingest, group, tally)  # one invocation, as the live event was
        return tally


@dataclass(slots=True)
class Redrive:
    """What a re-drive did: the work (`tally`) and what became of the messages."""

    tally: Tally = field(default_factory=Tally)
    received: int = 0
    deleted: int = 0


def redrive(sqs: SQSClient, queue_url: str, redriver: Redriver, wait_seconds: int = 1) -> Redrive:
    """Receive until the queue is empty; delete what succeeded, show the rest again."""
    result = Redrive()
    total = result.tally
    keep: list[MessageTypeDef] = []
    while True:
        received = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=VISIBILITY_SECONDS,
        ).get("Messages", [])
        if not received:
            break
        result.received += len(received)
        done = []
        for message in received:
            if _one(redriver, message, total) and redriver.replayer.ingest is not None:
                done.append(message)
            else:
                keep.append(message)
        _delete(sqs, queue_url, done)
        result.deleted += len(done)
    _show_again(sqs, queue_url, keep)
    return result


def _one(redriver: Redriver, message: MessageTypeDef, total: Tally) -> bool:
    message_id = message.get("MessageId", "?")
    try:
        total.add(redriver.message(message.get("Body", ""), message_id))
    except NotOurs as exc:
        total.skipped += 1
        total.note(f"left {message_id} in the queue: {exc}")
        return False
    except Exception as exc:  # S3 errors after retries, malformed records: keep the message
        total.failed += 1
        total.note(f"failed {message_id}: {type(exc).__name__}: {exc}")
        return False
    return True


def _delete(sqs: SQSClient, queue_url: str, messages: list[MessageTypeDef]) -> None:
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        entries: list[DeleteMessageBatchRequestEntryTypeDef] = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
        ]
        failed = sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed", [])
        if failed:
            raise LogReviewError(f"could not delete {len(failed)} re-driven messages: {failed[0]}")


def _show_again(sqs: SQSClient, queue_url: str, messages: list[MessageTypeDef]) -> None:
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(chunk)
        ]
        sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)
