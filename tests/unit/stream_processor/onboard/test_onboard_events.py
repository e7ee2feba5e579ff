"""The Onboard handler's event shapes: a CloudTrail CreateLogGroup call, a scheduled sweep, and
anything else refused with a message naming what arrived (no AWS call is made for those)."""

from __future__ import annotations

from typing import Any

import pytest

from stream_processor.errors import UnknownEventShape
from stream_processor.onboard import handler


def call(**detail: Any) -> dict[str, Any]:
    return {"detail-type": "AWS API Call via CloudTrail", "source": "aws.logs", "detail": detail}


def test_the_created_group_is_read_from_the_request_parameters() -> None:
    event = call(eventName="CreateLogGroup", requestParameters={"logGroupName": "/team/api"})
    assert handler.is_create_event(event) and not handler.is_sweep(event)
    assert handler.created_group(event) == "/team/api"


def test_a_failed_create_call_names_no_group() -> None:
    event = call(
        eventName="CreateLogGroup",
        errorCode="ResourceAlreadyExistsException",
        requestParameters={"logGroupName": "/team/api"},
    )
    assert handler.created_group(event) is None


def test_a_create_call_without_a_name_is_refused() -> None:
    with pytest.raises(UnknownEventShape, match=r"requestParameters\.logGroupName"):
        handler.created_group(call(eventName="CreateLogGroup", requestParameters=None))


DEPLOYED = {
    "detail-type": "CloudFormation Stack Status Change",
    "source": "aws.cloudformation",
    "detail": {"stack-id": "arn:aws:cloudformation:eu-west-1:1:stack/logreview/x", "status-details": {}},
}


@pytest.mark.parametrize(
    "event", [{}, {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}, DEPLOYED]
)
def test_a_schedule_or_an_empty_event_sweeps(event: dict[str, Any]) -> None:
    assert handler.is_sweep(event) and not handler.is_create_event(event)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"Records": []}, "keys ['Records']"),
        (call(eventName="DeleteLogGroup"), "neither a CreateLogGroup call nor a scheduled event"),
        (["not", "an", "object"], "must be an object, got list"),
    ],
)
def test_other_events_are_refused_naming_their_shape(
    event: Any, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handler, "selection", lambda: handler.Selection())  # no config read needed
    with pytest.raises(UnknownEventShape) as caught:
        handler.lambda_handler(event, None)
    assert message in str(caught.value)
