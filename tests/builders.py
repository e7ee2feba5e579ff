"""Our own fixtures: build subscription payloads and Lambda events the way CloudWatch does."""

from __future__ import annotations

import base64
import gzip
import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"

_ids = itertools.count(1)


def log_event(message: str, timestamp: int, event_id: str | None = None) -> dict[str, Any]:
    """One CloudWatch log event; ids look like AWS's 56-digit strings."""
    return {
        "id": event_id or f"{timestamp:020d}{next(_ids):036d}",
        "timestamp": timestamp,
        "message": message,
    }


def envelope(
    events: Sequence[dict[str, Any]],
    log_group: str = "/admin/logs",
    log_stream: str = "i-0123456789abcdef0",
    owner: str = "123456789012",
) -> dict[str, Any]:
    return {
        "messageType": "DATA_MESSAGE",
        "owner": owner,
        "logGroup": log_group,
        "logStream": log_stream,
        "subscriptionFilters": ["logreview"],
        "logEvents": list(events),
    }


def control_envelope() -> dict[str, Any]:
    return {
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [
            {
                "id": "",
                "timestamp": 1432826855000,
                "message": "CWL CONTROL MESSAGE: Checking health of destination",
            }
        ],
    }


def compress(doc: dict[str, Any]) -> bytes:
    """The payload bytes CloudWatch puts (gzip of the JSON envelope)."""
    return gzip.compress(orjson.dumps(doc), mtime=0)


def subscription_event(raw: bytes) -> dict[str, Any]:
    """A direct subscription Lambda event wrapping compressed payload bytes."""
    return {"awslogs": {"data": base64.b64encode(raw).decode()}}


def kinesis_event(raws: Iterable[bytes]) -> dict[str, Any]:
    """A Kinesis event: one record per subscription payload (cross-account destination)."""
    records = [
        {
            "eventSource": "aws:kinesis",
            "eventID": f"shardId-000000000000:{i:056d}",
            "kinesis": {"data": base64.b64encode(raw).decode(), "partitionKey": "p"},
        }
        for i, raw in enumerate(raws)
    ]
    return {"Records": records}


def corpus_file(*parts: str) -> Path:
    """A file of ../shared/corpus; tests using it skip when the corpus is absent."""
    return CORPUS.joinpath(*parts)
