"""Replay of our own archive against moto's server over HTTP: the runbook (delete aggregates,
replay, regenerate: byte-identical report), idempotence, group filter, lookback across midnight,
a corrupt object in the middle, dry run."""

from __future__ import annotations

import gzip
import re
from typing import Any

import orjson
import pytest

from stream_processor.cli import main
from stream_processor.handler import lambda_handler
from tests.support.aws import list_keys
from tests.support.builders import compress, envelope, log_event, subscription_event

DAY = "2025-11-26"
MIDNIGHT = 1_764_115_200_000  # 2025-11-26T00:00:00Z
HOUR = 3_600_000
MESSAGES = (
    "INFO GET /health status=200 latency_ms={n}",
    "ERROR db timeout after {n} ms user=alice",
    "WARN slow request latency_ms={n}",
    "Failed password for invalid user admin from 10.0.0.{n} port 22 ssh2",
    '{{"level": "error", "eventName": "DeleteBucket", "user": "bob", "duration_ms": {n}}}',
)


def _batch(group: str, stream: str, start: int, count: int) -> bytes:
    events = [log_event(MESSAGES[i % len(MESSAGES)].format(n=i + 3), start + i * 997) for i in range(count)]
    return compress(envelope(events, log_group=group, log_stream=stream))


def stream_day() -> int:
    """Deliver a day live: both groups, several hours, and a batch crossing into the day from the
    previous evening (archived under dt=2025-11-25). Returns the events delivered."""
    total = 0
    batches = [_batch("/admin/logs", "i-1", MIDNIGHT - 3_000, 12)]  # 23:59:57 → 00:00:08
    for hour in (0, 3, 9, 14, 23):
        batches.append(_batch("/admin/logs", f"i-{hour}", MIDNIGHT + hour * HOUR + 1000, 40))
        batches.append(_batch("/operator/logs", "ops", MIDNIGHT + hour * HOUR + 5000, 25))
    for raw in batches:
        result = lambda_handler(subscription_event(raw), None)
        assert result["processed"] == 1
        total += result["events"]
    return total


def objects(s3: Any, bucket: str, prefix: str) -> dict[str, bytes]:
    return {
        key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in list_keys(s3, bucket, prefix)
    }


def delete(s3: Any, bucket: str, prefix: str) -> None:
    for key in list_keys(s3, bucket, prefix):
        s3.delete_object(Bucket=bucket, Key=key)


def report_bytes(s3: Any, bucket: str, day: str = DAY) -> bytes:
    from daily_report.handler import lambda_handler as daily_report

    daily_report({"date": day}, None)
    key = f"reports/{day.replace('-', '/')}/log_review.json.gz"
    return gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def without_generated_at(report: bytes) -> bytes:
    stripped, count = re.subn(rb'"generated_at": *"[^"]*"', b'"generated_at": ""', report)
    assert count == 1
    return stripped


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["replay", *args])
    return status, capsys.readouterr().out


def test_runbook_delete_aggregates_replay_regenerate_is_byte_identical(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("daily_report.handler")
    s3, bucket = aws["s3"], aws["bucket"]
    events = stream_day()
    live_report = report_bytes(s3, bucket)
    assert orjson.loads(live_report)["totals"]["events"] == events - 4  # 4 were logged on the 25th
    archive, partials = objects(s3, bucket, "archive/"), objects(s3, bucket, f"aggregates/dt={DAY}/")
    assert any(key.startswith("archive/dt=2025-11-25/") for key in archive)
    alert_state = objects(s3, bucket, "alerts/")  # the live path's notification dedup state
    delete(s3, bucket, "aggregates/")

    status, out = replay(capsys, f"s3://{bucket}", "--since", DAY, "--until", DAY, "--workers", "4")
    assert status == 0, out
    assert f"{len(archive)} objects" in out and f"{events:,} events" in out and "0 failed" in out
    assert objects(s3, bucket, f"aggregates/dt={DAY}/") == partials  # the same keys, the same bytes
    assert objects(s3, bucket, "archive/") == archive
    assert without_generated_at(report_bytes(s3, bucket)) == without_generated_at(live_report)

    # replaying again changes nothing: same keys, same bytes, same report
    status, _ = replay(capsys, f"s3://{bucket}", "--since", DAY, "--until", DAY)
    assert status == 0
    assert objects(s3, bucket, f"aggregates/dt={DAY}/") == partials
    assert objects(s3, bucket, "alerts/") == alert_state  # a replay notifies nobody
    assert list_keys(s3, bucket) == sorted(
        [*archive, *alert_state, *list_keys(s3, bucket, "aggregates/"), *list_keys(s3, bucket, "reports/")]
    )
    assert without_generated_at(report_bytes(s3, bucket)) == without_generated_at(live_report)


def test_replay_by_log_group_and_range_without_report(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    s3, bucket = aws["s3"], aws["bucket"]
    stream_day()
    partials = objects(s3, bucket, "aggregates/")
    delete(s3, bucket, "aggregates/")

    status, out = replay(capsys, "--log-group", "/operator/logs", "--since", DAY)  # source: $REPORT_BUCKET
    assert status == 0, out
    restored = objects(s3, bucket, "aggregates/")
    assert restored and all(
        b'"/operator/logs"' in body and b'"/admin/logs"' not in body for body in restored.values()
    )
    assert restored == {key: partials[key] for key in restored}

    status, _ = replay(capsys, "--until", "2025-11-25")  # only the evening batch archived on the 25th
    assert status == 0
    crossing = set(objects(s3, bucket, "aggregates/")) - set(restored)
    assert {key.split("/")[1] for key in crossing} == {
        "dt=2025-11-25",
        "dt=2025-11-26",
    }  # one batch, two days


def test_dry_run_counts_and_writes_nothing(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    s3, bucket = aws["s3"], aws["bucket"]
    events = stream_day()
    delete(s3, bucket, "aggregates/")
    status, out = replay(capsys, f"s3://{bucket}/archive/", "--dry-run")
    assert status == 0 and out.startswith("(dry run)") and f"{events:,} events" in out
    assert list_keys(s3, bucket, "aggregates/") == []


def test_corrupt_object_in_the_middle_is_quarantined_and_the_rest_replayed(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    s3, bucket = aws["s3"], aws["bucket"]
    stream_day()
    keys = list_keys(s3, bucket, f"archive/dt={DAY}/")
    middle = keys[len(keys) // 2].replace(".gz", "0.gz")  # sorts right after a real object
    s3.put_object(Bucket=bucket, Key=middle, Body=b"\x1f\x8b\x08\x00 this is not gzip")
    delete(s3, bucket, "aggregates/")

    status, out = replay(capsys, f"s3://{bucket}", "--since", DAY, "--until", DAY, "--workers", "3")
    assert status == 1
    assert "1 quarantined" in out and "0 failed" in out and middle in out
    (note,) = [key for key in list_keys(s3, bucket, "quarantine/") if key.endswith(".json")]
    assert b"corrupt_compressed" in s3.get_object(Bucket=bucket, Key=note)["Body"].read()
    assert (
        s3.get_object(Bucket=bucket, Key=note.replace(".json", ".bin"))["Body"].read().endswith(b"not gzip")
    )
    assert len(list_keys(s3, bucket, f"aggregates/dt={DAY}/")) == len(keys) + 1  # + the evening batch
