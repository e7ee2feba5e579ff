"""Batch identity (docs/design.md §5): emulators number events from 0 in every call, so two different
batches of one stream can share every event id and timestamp. Their messages tell them apart:
both are archived and counted, under different keys."""

from __future__ import annotations

from typing import Any

from stream_processor import aggregate
from stream_processor.handler import lambda_handler
from tests.support.aws import list_keys
from tests.support.builders import compress, envelope, log_event, subscription_event

NOON = 1_764_158_400_000  # 2025-11-26T12:00:00Z


def test_emulator_batches_with_equal_ids_and_timestamps_are_stored_apart(aws: dict[str, Any]) -> None:
    s3, bucket = aws["s3"], aws["bucket"]
    first = [log_event("ERROR disk full", NOON, "0"), log_event("INFO retry", NOON + 1, "1")]
    second = [log_event("INFO all good", NOON, "0"), log_event("INFO still good", NOON + 1, "1")]
    for events in (first, second):
        lambda_handler(subscription_event(compress(envelope(events))), None)
    archived = list_keys(s3, bucket, "archive/")
    partials = list_keys(s3, bucket, "aggregates/")
    assert len(archived) == 2 and len(partials) == 2
    merged = aggregate.empty()
    for key in partials:
        aggregate.merge_into(merged, aggregate.decode(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    window = merged["windows"]["/admin/logs"]["12"]
    assert (window["events"], window["errors"]) == (4, 1)
    # the same batch delivered again still lands on its own key: exactly once
    lambda_handler(subscription_event(compress(envelope(first))), None)
    assert list_keys(s3, bucket, "aggregates/") == partials
