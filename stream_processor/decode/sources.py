"""Sources: turn a Lambda event of any accepted shape (docs/design.md §3) into subscription payloads."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import UnknownEventShape


@dataclass(frozen=True, slots=True)
class Payload:
    """One subscription payload: base64 text of the compressed envelope, and where it came from."""

    data: str
    origin: str


def event_kind(event: object) -> str:
    """`subscription`, `kinesis` or `sqs`; anything else raises UnknownEventShape naming the shape."""
    if isinstance(event, Mapping):
        if isinstance(event.get("awslogs"), Mapping) and "data" in event["awslogs"]:
            return "subscription"
        records = event.get("Records")
        if isinstance(records, list) and records and all(isinstance(r, Mapping) for r in records):
            if all(isinstance(r.get("kinesis"), Mapping) for r in records):
                return "kinesis"
            if all("body" in r and r.get("eventSource") == "aws:sqs" for r in records):
                return "sqs"
    raise UnknownEventShape(f"unknown event shape: {describe(event)}")


def describe(event: object) -> str:
    """A short, safe description of an event's shape for error messages (no payload data)."""
    if isinstance(event, Mapping):
        keys = sorted(str(k) for k in event)[:10]
        records = event.get("Records")
        if isinstance(records, list) and records and isinstance(records[0], Mapping):
            return f"object with keys {keys}; Records[0] keys {sorted(str(k) for k in records[0])[:10]}"
        return f"object with keys {keys}"
    return f"a JSON {type(event).__name__}"


def payloads(event: Mapping[str, Any]) -> Iterator[Payload]:
    """The subscription payloads of a direct subscription or Kinesis event."""
    kind = event_kind(event)
    if kind == "subscription":
        yield Payload(_text(event["awslogs"]["data"], "awslogs.data"), "subscription")
    elif kind == "kinesis":
        for index, record in enumerate(event["Records"]):
            origin = f"kinesis:{record.get('eventID', index)}"
            yield Payload(_text(record["kinesis"].get("data"), f"Records[{index}].kinesis.data"), origin)
    else:
        raise UnknownEventShape(f"{kind} events carry no subscription payloads: {describe(event)}")


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise UnknownEventShape(f"{where} is not a string but a {type(value).__name__}")
    return value
