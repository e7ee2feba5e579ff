"""The StreamProcessor handler against moto's server over HTTP: archive, partials, idempotence."""

from __future__ import annotations

from typing import Any

from stream_processor import aggregate
from stream_processor.handler import lambda_handler
from tests.builders import compress, envelope, log_event, subscription_event
from tests.conftest import list_keys

NOON = 1_764_158_400_000  # 2025-11-26T12:00:00Z


def test_handler_archives_payload_bytes_and_writes_partial(aws: dict[str, Any]) -> None:
    raw = compress(envelope([log_event("ERROR boom", NOON), log_event("INFO ok latency_ms=12", NOON + 5)]))
    result = lambda_handler(subscription_event(raw), None)
    assert result["processed"] == 1 and result["events"] == 2
    s3, bucket = aws["s3"], aws["bucket"]
    archive = list_keys(s3, bucket, "archive/")
    assert len(archive) == 1 and archive[0].startswith("archive/dt=2025-11-26/hour=12/admin_logs/")
    assert s3.get_object(Bucket=bucket, Key=archive[0])["Body"].read() == raw
    (key,) = list_keys(s3, bucket, "aggregates/")
    partial = aggregate.decode(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    window = partial["windows"]["/admin/logs"]["12"]
    assert (window["events"], window["errors"]) == (2, 1)
    assert s3.head_object(Bucket=bucket, Key=key)["ServerSideEncryption"] == "AES256"
