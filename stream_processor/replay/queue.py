"""Scale-out replay through the replay SQS queue: one message per object, consumed by the
StreamProcessor with Powertools batch processing (failed messages are reported one by one as
`batchItemFailures`, so only they are retried; the queue's redrive policy moves a message that
keeps failing to the replay dead-letter queue).

Message body (JSON, version 1; see docs/replay.md)::

    {"v": 1, "bucket": "...", "key": "...", "format": "archive" | "firehose" | "export",
     "log_groups": [...], "since": "YYYY-MM-DD" | null, "until": "YYYY-MM-DD" | null,
     "lookback": false}

The consumer writes to its own REPORT_BUCKET. A quarantined part is a success for the message
(the data is kept under quarantine/ with its reason; retrying cannot help); an S3 error or a
malformed message is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..config import load_config
from ..errors import LogReviewError
from ..ingest import Ingest
from ..observability import logger
from ..pipeline import Rules
from ..sinks import S3Sink
from .days import DayRange
from .formats import FORMATS
from .select import SourceObject
from .work import ObjectReplayer, ReplayMetrics

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

VERSION = 1
SEND_BATCH = 10  # SQS SendMessageBatch takes at most 10 entries


class BadReplayMessage(LogReviewError):
    """A replay queue message that is not a version-1 replay request; names the field."""


def encode_message(obj: SourceObject, window: DayRange) -> str:
    since, until = window.as_strings()
    body = {
        "v": VERSION,
        "bucket": obj.bucket,
        "key": obj.key,
        "format": obj.format,
        "log_groups": list(obj.log_groups),
        "since": since,
        "until": until,
        "lookback": obj.lookback,
    }
    return orjson.dumps(body).decode()


def _field(body: Mapping[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind):
        raise BadReplayMessage(f"replay message field {name!r} is missing or not a {kind.__name__}")
    return value


def decode_message(body: str | bytes) -> tuple[SourceObject, DayRange]:
    """A message body → the object to replay and the day range; BadReplayMessage if malformed."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadReplayMessage(f"replay message is not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("v") != VERSION:
        raise BadReplayMessage(f"not a version-{VERSION} replay message")
    fmt = _field(doc, "format", str)
    if fmt not in FORMATS:
        raise BadReplayMessage(f"replay message format {fmt!r} is not one of {', '.join(FORMATS)}")
    groups = doc.get("log_groups") or []
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise BadReplayMessage("replay message field 'log_groups' is not a list of strings")
    if fmt == "export" and len(groups) != 1:
        raise BadReplayMessage("an export replay message needs exactly one log group")
    obj = SourceObject(
        _field(doc, "bucket", str),
        _field(doc, "key", str),
        0,
        fmt,
        log_groups=tuple(groups),
        lookback=doc.get("lookback") is True,
    )
    return obj, DayRange.parse(doc.get("since"), doc.get("until"))


def is_replay_message(body: str) -> bool:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return isinstance(doc, dict) and "v" in doc and "key" in doc


def enqueue(sqs: SQSClient, queue_url: str, objects: Iterable[SourceObject], window: DayRange) -> int:
    """Send one message per object, ten per call; raise if SQS refuses any. Returns the count."""
    sent = 0
    entries: list[SendMessageBatchRequestEntryTypeDef] = []
    for obj in objects:
        entries.append({"Id": str(len(entries)), "MessageBody": encode_message(obj, window)})
        if len(entries) == SEND_BATCH:
            sent += _send(sqs, queue_url, entries)
            entries = []
    if entries:
        sent += _send(sqs, queue_url, entries)
    return sent


def _send(sqs: SQSClient, queue_url: str, entries: list[SendMessageBatchRequestEntryTypeDef]) -> int:
    response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    failed = response.get("Failed", [])
    if failed:
        retry = [entries[int(f["Id"])] for f in failed if not f.get("SenderFault")]
        if len(retry) < len(failed) or sqs.send_message_batch(QueueUrl=queue_url, Entries=retry).get(
            "Failed"
        ):
            raise LogReviewError(f"SQS refused {len(failed)} replay messages: {failed[0].get('Message', '')}")
    return len(entries)


def _rules() -> Rules:
    return load_config().rules


@lru_cache(maxsize=1)
def _replayer(bucket: str) -> ObjectReplayer:
    sink = S3Sink(bucket)
    return ObjectReplayer(sink.client, Ingest(sink, _rules, metrics=ReplayMetrics()))


_processor = BatchProcessor(event_type=EventType.SQS)


def _record_handler(record: SQSRecord) -> dict[str, int]:
    obj, window = decode_message(record.body)
    tally = _replayer(os.environ.get("REPORT_BUCKET", "")).replay(obj, window)
    logger.info(
        "replay message processed",
        extra={"object": obj.url, "batches": tally.batches, "events": tally.events, "notes": tally.notes},
    )
    return {"batches": tally.batches, "events": tally.events, "quarantined": tally.quarantined}


def consume(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    """The StreamProcessor's SQS branch: replay each message's object, report the failures."""
    response = process_partial_response(
        event=event, record_handler=_record_handler, processor=_processor, context=context
    )
    return dict(response)
