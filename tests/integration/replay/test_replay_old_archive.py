"""Archive objects written before they were JSON lines (payloads back to back, no newline
members) replay like new ones: the same invocation, keys and bundles. In place the object is left
as it is (no new version of evidence); replayed into another bucket it is written in the new shape
(how docs/query.md makes old Kinesis objects readable by Athena). Against moto's server over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from stream_processor.cli import main
from stream_processor.handler import lambda_handler
from stream_processor.sinks import archive_body
from tests.support.aws import list_keys
from tests.support.builders import compress, envelope, kinesis_event, log_event, subscription_event

DAY = "2025-11-26"
NOON = 1_764_158_400_000


def _payloads(count: int) -> list[bytes]:
    return [
        compress(envelope([log_event(f"ERROR n={i} j={j}", NOON + i * 1000 + j) for j in range(5)],
                          log_group="/admin/logs" if i % 2 else "/operator/logs", log_stream=f"s-{i}"))
        for i in range(count)
    ]  # fmt: skip


def _objects(s3: Any, bucket: str, prefix: str) -> dict[str, bytes]:
    return {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in list_keys(s3, bucket, prefix)}


@pytest.mark.parametrize("mode", ["kinesis", "direct"])
def test_an_old_shaped_archive_object_replays_into_the_new_shape(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    s3, bucket = aws["s3"], aws["bucket"]
    payloads = _payloads(4 if mode == "kinesis" else 1)
    event = kinesis_event(payloads) if mode == "kinesis" else subscription_event(payloads[0])
    assert lambda_handler(event, None)["processed"] == len(payloads)
    (key,) = list_keys(s3, bucket, "archive/")
    assert _objects(s3, bucket, "archive/")[key] == archive_body(payloads)
    live = _objects(s3, bucket, "aggregates/")
    s3.put_object(
        Bucket=bucket, Key=key, Body=b"".join(payloads), ServerSideEncryption="AES256"
    )  # the old shape
    for partial in live:
        s3.delete_object(Bucket=bucket, Key=partial)
    capsys.readouterr()
    assert main(["replay", f"s3://{bucket}", "--since", DAY, "--until", DAY]) == 0, capsys.readouterr()
    assert _objects(s3, bucket, "archive/") == {key: b"".join(payloads)}  # in place: untouched
    assert _objects(s3, bucket, "aggregates/") == live  # the same bundles, byte for byte
    other = f"{bucket}-copy"
    s3.create_bucket(Bucket=other)
    argv = ["replay", f"s3://{bucket}", "--since", DAY, "--until", DAY, "--bucket", other]
    assert main(argv) == 0, capsys.readouterr()
    assert _objects(s3, other, "archive/") == {key: archive_body(payloads)}  # same key, new shape
    assert _objects(s3, other, "aggregates/") == live
