"""Logging and tracing: Powertools Logger fields with the Lambda context, tracing a no-op locally."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import orjson

from stream_processor import observability
from stream_processor.handler import lambda_handler
from tests.support.builders import compress, envelope, log_event, subscription_event


def _python(code: str, **env: str) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AWS_LAMBDA_FUNCTION_NAME", "POWERTOOLS_SERVICE_NAME")
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip()


def test_service_name_comes_from_the_environment() -> None:
    code = "from stream_processor.observability import logger; print(logger.service)"
    assert _python(code, POWERTOOLS_SERVICE_NAME="stream_processor") == "stream_processor"
    assert _python(code) == "logreview"


def test_tracing_is_a_no_op_locally_and_loads_no_xray() -> None:
    code = (
        "import sys, stream_processor.handler as h, stream_processor.observability as o;"
        "print(o.tracing_enabled(), any(m.startswith('aws_xray_sdk') for m in sys.modules))"
    )
    assert _python(code) == "False False"
    assert _python(code, AWS_LAMBDA_FUNCTION_NAME="f", POWERTOOLS_TRACE_DISABLED="true") == "False False"


def test_tracing_wraps_the_handler_inside_lambda() -> None:
    code = (
        "import sys, stream_processor.handler as h, stream_processor.observability as o;"
        "print(o.tracing_enabled(), type(o.tracer()).__name__, 'aws_xray_sdk.core' in sys.modules)"
    )
    assert _python(code, AWS_LAMBDA_FUNCTION_NAME="stream-processor") == "True Tracer True"


def test_log_lines_carry_the_lambda_context_and_the_batch(aws: dict[str, Any]) -> None:
    context = SimpleNamespace(
        function_name="logreview-stream-processor",
        function_version="$LATEST",
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:logreview-stream-processor",
        memory_limit_in_mb=512,
        aws_request_id="req-123",
        log_group_name="/aws/lambda/x",
        log_stream_name="s",
        get_remaining_time_in_millis=lambda: 60_000,  # every LambdaContext has it (the alert lease reads it)
    )
    stream = io.StringIO()  # the Powertools handler writes to the stdout it saw at import
    capture = logging.StreamHandler(stream)
    capture.setFormatter(observability.logger.registered_formatter)
    underlying = logging.getLogger(observability.logger.name)
    underlying.addHandler(capture)
    observability.logger.setLevel("INFO")
    try:
        lambda_handler(
            subscription_event(compress(envelope([log_event("INFO hi", 1_795_824_000_000)]))), context
        )
    finally:
        observability.logger.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"))
        underlying.removeHandler(capture)
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines()]
    processed = next(line for line in lines if line["message"] == "invocation processed")
    assert processed["function_name"] == "logreview-stream-processor"
    assert processed["function_request_id"] == "req-123" and processed["correlation_id"] == "req-123"
    assert isinstance(processed["cold_start"], bool)
    # one line per invocation (a Kinesis one holds thousands of batches); a lone batch's id is its id
    assert len(processed["invocation"]) == 32 and processed["log_groups"] == ["/admin/logs"]
    assert processed["batches"] == processed["events"] == 1
