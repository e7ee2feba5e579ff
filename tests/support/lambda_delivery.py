"""Delivery the way Lambda does it: 3 attempts of an asynchronous invocation, then the on-failure
destination queue; concurrent invocations; the fault proxy in front of every client; the
re-drive of the failure queue (`logreview replay --from-dlq`)."""

from __future__ import annotations

import contextlib
import io
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from tests.support.fault_proxy import FaultProxy

ATTEMPTS = 3  # Lambda async invocation: the first try plus MaximumRetryAttempts 2 (template.yaml)


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
