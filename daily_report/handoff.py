"""Hand-off: work this invocation has no time for becomes a new invocation of the same function.

An asynchronous invoke (`InvocationType=Event`) of the function the run is in (the context's
`invoked_function_arn`), with an event the handler already reads: `{"date": DAY, "late_data":
false, "handoff": why}` for an earlier day, `{"week": ...}` or `{"month": ...}` for a period.
Lambda retries a failed run twice, then the on-failure destination (FailureQueue,
DailyReportInvokeConfig) keeps the event: a handed-off day is never lost silently. Each hand-off
is logged with its event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson

from stream_processor.observability import logger

from .period import Period

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


def day_event(day: date, why: str) -> dict[str, Any]:
    """The event that has one earlier day regenerated on its own (no lookback of its own)."""
    return {"date": day.isoformat(), "late_data": False, "handoff": why}


def period_event(period: Period, why: str) -> dict[str, Any]:
    """The event that continues a period report (its days generated so far are stored)."""
    key = "week" if period.kind == "weekly" else "month"
    return {key: period.label, "handoff": why}


@dataclass(frozen=True, slots=True)
class Handoff:
    """Sends events to `function` (an ARN or name) asynchronously."""

    client: LambdaClient
    function: str

    def send(self, event: dict[str, Any]) -> None:
        self.client.invoke(FunctionName=self.function, InvocationType="Event", Payload=orjson.dumps(event))
        logger.warning("handed off to a new invocation", extra={"event": event, "function": self.function})


def from_context(context: object) -> Handoff | None:
    """A hand-off to the invoked function itself; None without a Lambda context (CLI, tests)."""
    function = getattr(context, "invoked_function_arn", None)
    if not isinstance(function, str) or not function:
        return None
    import boto3

    return Handoff(boto3.client("lambda"), function)
