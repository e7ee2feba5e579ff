"""Alert plumbing on the local endpoint: the topic with an SQS queue on it, an EventBridge bus with
a rule whose target is another queue, and readers that drain both (what a person / a SIEM gets)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import orjson
import pytest

from stream_processor import handler


@dataclass(frozen=True, slots=True)
class AlertPlumbing:
    topic_arn: str
    bus: str
    topic_queue: str
    bus_queue: str

    def notifications(self, wait: float = 0.0) -> list[dict[str, Any]]:
        """SNS notifications (Subject, Message, MessageAttributes) that reached the topic's queue."""
        return [orjson.loads(body) for body in drain(self.topic_queue, wait)]

    def events(self, wait: float = 0.0) -> list[dict[str, Any]]:
        """EventBridge events the bus rule delivered."""
        return [orjson.loads(body) for body in drain(self.bus_queue, wait)]


def drain(queue_url: str, wait: float = 0.0) -> list[str]:
    """Every message body on a queue (deleted as read); waits up to `wait` s for the first."""
    sqs = boto3.client("sqs")
    bodies: list[str] = []
    deadline = time.monotonic() + wait
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = got.get("Messages", [])
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        if messages:
            continue
        if bodies or time.monotonic() >= deadline:
            return bodies
        time.sleep(0.05)


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def create_plumbing() -> AlertPlumbing:
    suffix = uuid.uuid4().hex[:8]
    sns, sqs, events = boto3.client("sns"), boto3.client("sqs"), boto3.client("events")
    topic_arn = sns.create_topic(Name=f"alerts-{suffix}")["TopicArn"]
    topic_queue, topic_queue_arn = _queue(sqs, f"alert-inbox-{suffix}")
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=topic_queue_arn)
    bus = f"logreview-{suffix}"
    events.create_event_bus(Name=bus)
    bus_queue, bus_queue_arn = _queue(sqs, f"detections-{suffix}")
    pattern = {"source": ["logreview"], "detail-type": ["Detection"]}
    events.put_rule(
        Name=f"detections-{suffix}", EventBusName=bus, EventPattern=orjson.dumps(pattern).decode()
    )
    events.put_targets(
        Rule=f"detections-{suffix}", EventBusName=bus, Targets=[{"Id": "queue", "Arn": bus_queue_arn}]
    )
    return AlertPlumbing(topic_arn, bus, topic_queue, bus_queue)


@pytest.fixture
def plumbing(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[AlertPlumbing]:
    """The alert topic and bus, and the StreamProcessor's environment pointing at them."""
    found = create_plumbing()
    monkeypatch.setenv("ALERT_TOPIC_ARN", found.topic_arn)
    monkeypatch.setenv("ALERT_EVENT_BUS", found.bus)
    handler._ingest.cache_clear()
    yield found
    handler._ingest.cache_clear()


def alert_entries(s3: Any, bucket: str) -> list[dict[str, Any]]:
    """Every (rule, key) entry of every alert window document under alerts/, with its rule and the
    document's batch ids (`batches`) beside the entry's own fields."""
    from tests.support.aws import list_keys

    found = []
    for key in list_keys(s3, bucket, "alerts/"):
        doc = orjson.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        for rule, entries in doc["keys"].items():
            for entry in entries.values():
                found.append({**entry, "rule": rule, "batches": doc["batches"], "document": key})
    return found
