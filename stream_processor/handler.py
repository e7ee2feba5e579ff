"""StreamProcessor Lambda entry point (thin): dispatch by event shape, ingest the event's payloads
as one invocation (one archive object, one bundle per UTC day)."""

from __future__ import annotations

import os
import time
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from .backends import log_once as log_backends_once
from .config import load_config
from .decode.sources import event_kind, payloads
from .ingest import Ingest
from .observability import annotate, lambda_entry
from .pipeline import Rules
from .sinks import S3Sink
from .sinks.alerts import AlertSink


def _rules() -> Rules:
    return load_config().rules


@lru_cache(maxsize=1)
def _ingest(bucket: str) -> Ingest:
    store = S3Sink(bucket)
    return Ingest(store, _rules, alerts=AlertSink.from_environment(store))


def current_ingest() -> Ingest:
    """The Ingest bound to REPORT_BUCKET (authoritative, so archiving never depends on SSM)."""
    return _ingest(os.environ.get("REPORT_BUCKET", ""))


def deadline_ms(context: LambdaContext | None) -> int | None:
    """When Lambda stops this invocation (epoch ms), or None outside Lambda."""
    if context is None:
        return None
    return int(time.time() * 1000) + context.get_remaining_time_in_millis()


@lambda_entry
def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    """Process every payload in the event; raise on I/O failure so Lambda retries the event."""
    log_backends_once()  # which pattern engine and gzip backend this cold start runs
    kind = event_kind(event)
    if kind == "sqs":  # replay messages (docs/design.md §8): partial batch failures, not a raise
        from .replay.queue import consume  # imported on first use: it adds ~40 ms to every cold start

        return consume(event, context)
    ingest = current_ingest()
    if ingest.alerts is not None:  # marks are held until this invocation stops; findings use its account
        ingest.alerts.invoked_by(deadline_ms(context), getattr(context, "invoked_function_arn", None))
    done = ingest.invocation((payload.data, payload.origin) for payload in payloads(event))
    counts = {status: done.count(status) for status in ("processed", "skipped", "quarantined")}
    counts["events"] = done.events
    annotate(event_kind=kind, **counts)
    return {"kind": kind, **counts}
