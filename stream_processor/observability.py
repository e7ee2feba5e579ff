"""Logging and tracing for every function: one Powertools Logger, and a Tracer only where it runs.

The Logger's service is `POWERTOOLS_SERVICE_NAME` (the template sets one per function), else
`logreview`. Handlers are wrapped by `lambda_entry`: the Lambda context is injected into every
log line (cold start, function name, request id) and the invocation's request id becomes the
correlation id; ingest adds the batch id per batch.

Tracing (X-Ray through Powertools Tracer, which patches botocore so every S3, SSM, CloudWatch
and SNS call is a subsegment) is switched on only inside Lambda with tracing not disabled:
importing the X-Ray SDK costs about as much as boto3 and Powertools together, so local runs,
tests and replays never load it (`tracing_enabled`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger

Handler = TypeVar("Handler", bound=Callable[..., Any])

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "logreview")


def tracing_enabled() -> bool:
    """True inside Lambda (AWS_LAMBDA_FUNCTION_NAME set) unless POWERTOOLS_TRACE_DISABLED is true."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in ("1", "true", "yes")
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and not disabled


@functools.lru_cache(maxsize=1)
def tracer() -> Any:
    """The Powertools Tracer (imported on first use, only when tracing is enabled)."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=logger.service)


def annotate(**values: str | int | float | bool) -> None:
    """X-Ray annotations on the current segment (searchable); nothing when tracing is off."""
    if tracing_enabled():
        for key, value in values.items():
            tracer().put_annotation(key=key, value=value)


def lambda_entry(handler: Handler) -> Handler:
    """Wrap a Lambda handler: context in the logs, request id as correlation id, and tracing.

    A call without a context (tests, local tools) runs the handler as it is.
    """

    def correlated(event: Any, context: Any) -> Any:
        logger.set_correlation_id(getattr(context, "aws_request_id", None))
        return handler(event, context)

    injected = logger.inject_lambda_context(correlated, clear_state=True)
    traced = tracer().capture_lambda_handler(injected) if tracing_enabled() else injected

    @functools.wraps(handler)
    def entry(event: Any, context: Any) -> Any:
        return handler(event, context) if context is None else traced(event, context)

    return entry  # type: ignore[return-value]
