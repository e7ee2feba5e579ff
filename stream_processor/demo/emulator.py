"""The stack on a local AWS endpoint (moto's server, in-process) and the calls that feed it.

moto is a development dependency: it is imported here, inside `LocalAws.start`, and nothing the
Lambda handlers import imports this module. Delivery from CloudWatch Logs to Kinesis is moto's
own: for every PutLogEvents call on a log group with a Kinesis subscription filter it puts one
record holding the gzip+base64 subscription payload, as CloudWatch Logs does. Two moto quirks,
both harmless to us: event ids are small integers from a process-wide counter (AWS sends 56-digit
strings; the decoder normalises ids to text and `batch_id` hashes every id and timestamp), and
each PutLogEvents call becomes exactly one record (AWS may merge or split).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import orjson

from ..config import default_config_json
from ..errors import LogReviewError

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_logs import CloudWatchLogsClient

ACCOUNT = "123456789012"  # moto's default account
FILTER_NAME = "logreview"
KINESIS_BATCH = 100  # records per Lambda invocation (the event source mapping's BatchSize)
_DEFAULTS = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
}


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(slots=True)
class Environment:
    """Sets environment variables and puts the previous values back afterwards."""

    saved: dict[str, str | None] = field(default_factory=dict)

    def set(self, name: str, value: str, *, only_if_absent: bool = False) -> None:
        if only_if_absent and os.environ.get(name):
            return
        self.saved.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def restore(self) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self.saved.clear()


@dataclass(slots=True)
class LocalAws:
    """moto's ThreadedMotoServer on a free loopback port; boto3 reaches it via AWS_ENDPOINT_URL."""

    env: Environment = field(default_factory=Environment)
    endpoint: str = ""
    _server: Any = None

    def start(self) -> str:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as exc:
            raise LogReviewError(
                f"the demo needs moto's server, a development dependency ({exc}): "
                "run `make demo`, or pip install -e '.[dev]'"
            ) from None

        port = free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server.start()
        return self.use(f"http://127.0.0.1:{port}")

    def use(self, endpoint: str) -> str:
        """An endpoint that is already running (a moto server, LocalStack): nothing to start."""
        self.endpoint = endpoint.rstrip("/")
        self.env.set("AWS_ENDPOINT_URL", self.endpoint)
        for name, value in _DEFAULTS.items():
            self.env.set(name, value, only_if_absent=True)
        return self.endpoint

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.env.restore()


@dataclass(frozen=True, slots=True)
class Stack:
    """Names and ARNs of what `provision` created."""

    bucket: str
    parameter: str
    log_groups: tuple[str, ...]
    retention_days: int
    topic_arn: str
    queue_url: str
    stream_name: str
    stream_arn: str
    shards: int


def provision(log_groups: Sequence[str], retention_days: int, shards: int = 2) -> Stack:
    """Create what template.yaml would: bucket, config parameter, log groups with retention and a
    subscription filter each (destination: a Kinesis stream), the alert topic and a queue on it."""
    suffix = uuid.uuid4().hex[:8]
    bucket, parameter = f"logreview-demo-{suffix}", "/log-processor/config"
    s3 = boto3.client("s3")
    region = s3.meta.region_name
    if region and region != "us-east-1":  # S3 wants the region named everywhere else
        location: Any = {"LocationConstraint": region}  # a region name, typed as a literal in the stubs
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
    else:
        s3.create_bucket(Bucket=bucket)
    boto3.client("ssm").put_parameter(
        Name=parameter, Type="String", Value=default_config_json(bucket), Overwrite=True
    )
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic_arn = sns.create_topic(Name="logreview-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"logreview-alerts-{suffix}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    kinesis = boto3.client("kinesis")
    stream_name = f"logreview-{suffix}"
    kinesis.create_stream(StreamName=stream_name, ShardCount=shards)
    stream_arn = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    logs = boto3.client("logs")
    for group in log_groups:
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName=group)
        logs.put_retention_policy(logGroupName=group, retentionInDays=retention_days)
        logs.put_subscription_filter(
            logGroupName=group,
            filterName=FILTER_NAME,
            filterPattern="",
            destinationArn=stream_arn,
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/logreview-cwl-to-kinesis",
        )
    return Stack(
        bucket,
        parameter,
        tuple(log_groups),
        retention_days,
        topic_arn,
        queue_url,
        stream_name,
        stream_arn,
        shards,
    )


class LogsWriter:
    """PutLogEvents as the CloudWatch agent does it: streams created on first use."""

    def __init__(self) -> None:
        self.client: CloudWatchLogsClient = boto3.client("logs")
        self._streams: set[tuple[str, str]] = set()
        self.rejected = 0

    def put(self, group: str, stream: str, events: list[dict[str, Any]]) -> None:
        if (group, stream) not in self._streams:
            with contextlib.suppress(self.client.exceptions.ResourceAlreadyExistsException):
                self.client.create_log_stream(logGroupName=group, logStreamName=stream)
            self._streams.add((group, stream))
        batch: Any = events  # dicts of timestamp and message: InputLogEventTypeDef
        response = self.client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
        info = response.get("rejectedLogEventsInfo")
        if info:
            self.rejected += _rejected(info, len(events))


def _rejected(info: Any, sent: int) -> int:
    """How many events of a call CloudWatch Logs refused (too old, too new, expired)."""
    too_old = info.get("tooOldLogEventEndIndex", -1) + 1
    expired = info.get("expiredLogEventEndIndex", -1) + 1
    too_new = sent - info["tooNewLogEventStartIndex"] if "tooNewLogEventStartIndex" in info else 0
    return int(max(too_old, expired) + too_new)


def _first_time(data: bytes) -> int:
    """The first log event's timestamp in a subscription record (0 for a control message)."""
    doc = orjson.loads(gzip.decompress(data))
    events = doc.get("logEvents") or [{"timestamp": 0}]
    return int(events[0]["timestamp"])


class KinesisReader:
    """Reads every shard of a stream from the start, as Lambda's event source mapping does, and
    shapes the records into Kinesis Lambda events."""

    def __init__(self, stack: Stack) -> None:
        self.client: KinesisClient = boto3.client("kinesis")
        self.stack = stack
        self.region = self.client.meta.region_name
        shards = self.client.list_shards(StreamName=stack.stream_name)["Shards"]
        self._iterators = {
            shard["ShardId"]: self.client.get_shard_iterator(
                StreamName=stack.stream_name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            for shard in shards
        }

    def drain(self) -> Iterator[dict[str, Any]]:
        """Lambda events (up to KINESIS_BATCH records each) for everything not yet read, in the
        order a consumer per shard keeping up with the logs would process them: records by the
        time of their first log event across shards (each shard's own order kept), consecutive
        records of one shard in one event. (CloudWatch Logs picks a random partition key, so a
        stream's records spread over the shards; draining one shard whole before the next would
        process a login after the sudo that followed it.)"""
        found: list[tuple[int, int, str, Any]] = []
        for shard_id in sorted(self._iterators):
            while True:
                response = self.client.get_records(
                    ShardIterator=self._iterators[shard_id], Limit=KINESIS_BATCH
                )
                self._iterators[shard_id] = response["NextShardIterator"]
                records = response["Records"]
                if not records:
                    break
                found.extend((_first_time(r["Data"]), len(found), shard_id, r) for r in records)
        found.sort(key=lambda item: (item[0], item[1]))
        event: list[dict[str, Any]] = []
        shard = None
        for _, _, shard_id, record in found:
            if event and (shard_id != shard or len(event) == KINESIS_BATCH):
                yield {"Records": event}
                event = []
            shard = shard_id
            event.append(self._record(shard_id, record))
        if event:
            yield {"Records": event}

    def _record(self, shard_id: str, record: Any) -> dict[str, Any]:
        sequence = record["SequenceNumber"]
        return {
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard_id}:{sequence}",
            "eventName": "aws:kinesis:record",
            "awsRegion": self.region,
            "eventSourceARN": self.stack.stream_arn,
            "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/logreview-stream-processor",
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record["PartitionKey"],
                "sequenceNumber": sequence,
                "data": base64.b64encode(record["Data"]).decode("ascii"),
                "approximateArrivalTimestamp": record["ApproximateArrivalTimestamp"].timestamp(),
            },
        }


def alert_messages(queue_url: str) -> list[dict[str, Any]]:
    """SNS notifications that reached the alert queue (subject and message of each)."""
    sqs = boto3.client("sqs")
    found: list[dict[str, Any]] = []
    while True:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = response.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(_notification(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _notification(body: str) -> dict[str, Any]:
    import orjson

    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {"subject": "", "message": body}
    if isinstance(doc, dict) and "Message" in doc:
        return {"subject": doc.get("Subject") or "", "message": doc["Message"]}
    return {"subject": "", "message": body}
