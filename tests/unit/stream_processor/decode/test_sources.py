"""Sources: dispatch a Lambda event by its shape (docs/design.md §3), or say clearly what arrived."""

from __future__ import annotations

import pytest

from stream_processor.decode.sources import describe, event_kind, payloads
from stream_processor.errors import UnknownEventShape
from tests.support.builders import kinesis_event


def test_subscription_event() -> None:
    event = {"awslogs": {"data": "H4sI"}}
    assert event_kind(event) == "subscription"
    assert [(p.data, p.origin) for p in payloads(event)] == [("H4sI", "subscription")]


def test_kinesis_records_keep_their_order_and_event_id() -> None:
    event = kinesis_event([b"one", b"two"])
    assert event_kind(event) == "kinesis"
    found = list(payloads(event))
    assert [p.data for p in found] == ["b25l", "dHdv"]
    assert found[1].origin == "kinesis:shardId-000000000000:" + "1".zfill(56)


def test_sqs_is_recognised_but_carries_no_subscription_payloads() -> None:
    event = {"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}
    assert event_kind(event) == "sqs"
    with pytest.raises(UnknownEventShape, match="sqs"):
        list(payloads(event))


@pytest.mark.parametrize(
    ("event", "named"),
    [
        ({"detail-type": "Scheduled Event"}, "detail-type"),
        ({"awslogs": "H4sI"}, "awslogs"),
        ({"Records": []}, "Records"),
        ({"Records": [{"kinesis": {}}, {"s3": {}}]}, "kinesis"),
        ({"Records": [{"body": "{}"}]}, "body"),
        ("a string", "str"),
        (None, "NoneType"),
    ],
)
def test_unknown_shapes_are_named(event: object, named: str) -> None:
    with pytest.raises(UnknownEventShape) as caught:
        event_kind(event)
    assert named in str(caught.value)


def test_payload_data_must_be_text() -> None:
    with pytest.raises(UnknownEventShape, match=r"Records\[0\]\.kinesis\.data"):
        list(payloads({"Records": [{"kinesis": {"data": 5}}]}))
    with pytest.raises(UnknownEventShape, match=r"awslogs\.data"):
        list(payloads({"awslogs": {"data": None}}))


def test_describe_never_includes_payload_data() -> None:
    text = describe({"awslogs": {"data": "SECRETPAYLOAD"}, "x": 1})
    assert "SECRETPAYLOAD" not in text and "awslogs" in text
