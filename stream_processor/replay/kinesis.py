"""Kinesis on-failure records: read the failed batch back from the stream.

When a Kinesis event source mapping gives up on a batch (retries or record age exhausted), its
on-failure destination gets the shard and the sequence-number range, not the payloads::

    {"requestContext": {...}, "responseContext": {...}, "version": "1.0",
     "KinesisBatchInfo": {"shardId": "shardId-000000000000", "startSequenceNumber": "4960…",
                          "endSequenceNumber": "4960…", "batchSize": 500,
                          "streamArn": "arn:aws:kinesis:…:stream/name", ...}}

`read_batch` reads those records back (GetShardIterator AT_SEQUENCE_NUMBER, then GetRecords until
past the end), so the re-drive feeds them as one invocation, exactly the one that failed: the
same batch ids, the same keys. Records older than the stream's retention (`KinesisRetentionHours`)
are gone, while the queue keeps the pointer 14 days; then fewer records than `batchSize` come back
and `missing` says why (expired, the stream deleted, or absent within retention), and the re-drive
keeps the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import LogReviewError

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

MAX_CALLS = 10_000  # GetRecords calls for one batch (each returns up to 10,000 records or 10 MiB)
RECOVER = (
    "the events are still in the source log groups for their retention: export those hours "
    "(aws logs create-export-task) and replay them with 'logreview replay --format export'"
)


class BadKinesisRecord(LogReviewError):
    """A KinesisBatchInfo that misses a field; names it."""


@dataclass(frozen=True, slots=True)
class KinesisBatchInfo:
    """Which records of which shard a failed invocation held."""

    stream_arn: str
    shard_id: str
    start: str
    end: str
    size: int
    first_arrival: datetime | None = None  # approximateArrivalOfFirstRecord, when the record has it

    @classmethod
    def of(cls, record: dict[str, Any]) -> KinesisBatchInfo | None:
        """The batch info of an on-failure record, None if it is not a Kinesis one."""
        info = record.get("KinesisBatchInfo")
        if info is None:
            return None
        if not isinstance(info, dict):
            raise BadKinesisRecord("KinesisBatchInfo is not an object")
        fields = ("streamArn", "shardId", "startSequenceNumber", "endSequenceNumber")
        for name in fields:
            if not isinstance(info.get(name), str) or not info[name]:
                raise BadKinesisRecord(f"KinesisBatchInfo.{name} is missing or not a string")
        size = info.get("batchSize")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise BadKinesisRecord("KinesisBatchInfo.batchSize is missing or not a positive integer")
        arrival = info.get("approximateArrivalOfFirstRecord")
        return cls(
            info["streamArn"],
            info["shardId"],
            info["startSequenceNumber"],
            info["endSequenceNumber"],
            size,
            _timestamp(arrival) if isinstance(arrival, str) else None,
        )

    @property
    def where(self) -> str:
        return f"{self.stream_arn}/{self.shard_id}/{self.start}..{self.end}"


def _timestamp(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class StreamGone(LogReviewError):
    """The failure record's stream (or shard) no longer exists."""


def read_batch(kinesis: KinesisClient, info: KinesisBatchInfo) -> list[tuple[bytes, str]]:
    """(payload bytes, origin) of every record from `start` to `end` of the shard, in order."""
    try:
        iterator: str | None = kinesis.get_shard_iterator(
            StreamARN=info.stream_arn,
            ShardId=info.shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=info.start,
        )["ShardIterator"]
    except kinesis.exceptions.ResourceNotFoundException as exc:
        raise StreamGone(str(exc)) from exc
    except kinesis.exceptions.InvalidArgumentException:
        return []  # the start sequence number is past the trim horizon: trimmed
    first, last = int(info.start), int(info.end)
    found: list[tuple[bytes, str]] = []
    for _ in range(MAX_CALLS):
        if iterator is None:
            break
        page = kinesis.get_records(StreamARN=info.stream_arn, ShardIterator=iterator, Limit=10_000)
        for record in page["Records"]:
            number = int(record["SequenceNumber"])
            if number > last:
                return found
            if number >= first:
                found.append((record["Data"], f"kinesis:{info.shard_id}:{record['SequenceNumber']}"))
        if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
            break  # at the tip of the shard: nothing more to read
        iterator = page.get("NextShardIterator")
    return found


def missing(kinesis: KinesisClient, info: KinesisBatchInfo, found: int, now: datetime) -> str:
    """Why `found` < `info.size` records came back, in words an operator can act on."""
    lost = f"{info.size - found} of {info.size} records"
    try:
        summary = kinesis.describe_stream_summary(StreamARN=info.stream_arn)["StreamDescriptionSummary"]
    except kinesis.exceptions.ResourceNotFoundException:
        gone = "the stream no longer exists (deleted with its records)"
        return f"{info.where}: {lost} are gone: {gone}; {RECOVER}"
    hours = summary["RetentionPeriodHours"]
    arrived = info.first_arrival
    if arrived is not None and now - arrived > timedelta(hours=hours):
        trimmed = arrived + timedelta(hours=hours)
        return (
            f"{info.where}: {lost} EXPIRED from the stream: the batch arrived "
            f"{arrived:%Y-%m-%d %H:%M} UTC and the stream keeps records {hours} h "
            f"(gone since {trimmed:%Y-%m-%d %H:%M} UTC); {RECOVER}"
        )
    return (
        f"{info.where}: {lost} are not in the stream although within its {hours} h retention "
        "(a wrong sequence range, or a resharded stream); the message is kept"
    )
