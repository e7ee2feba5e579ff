"""Replay from Firehose-delivered and export-task objects against moto's server over HTTP: every
envelope and event counted once, archived too, on the right UTC day, idempotent."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
import pytest

from stream_processor import aggregate
from stream_processor.cli import main
from stream_processor.decode import split_members
from tests.support.aws import list_keys
from tests.support.builders import control_envelope, corpus_file, envelope, log_event
from tests.unit.stream_processor.replay.test_replay_formats import (
    EXPORT_KEY,
    EXPORT_TEXT,
    NOON,
    firehose_object,
)


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["replay", *args])
    return status, capsys.readouterr().out


def snapshot(s3: Any, bucket: str) -> dict[str, bytes]:
    keys = list_keys(s3, bucket, "archive/") + list_keys(s3, bucket, "aggregates/")
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def day_events(objects: dict[str, bytes], day: str) -> int:
    total = 0
    for key, body in objects.items():
        if key.startswith(f"aggregates/dt={day}/"):
            for hours in aggregate.decode(body)["windows"].values():
                total += sum(window["events"] for window in hours.values())
    return total


def test_firehose_objects_replay_every_envelope_once(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    s3, bucket = aws["s3"], aws["bucket"]
    docs = [envelope([log_event(f"ERROR e{i}", NOON + i), log_event("INFO ok", NOON + i)]) for i in range(5)]
    docs.insert(3, control_envelope())
    key = "firehose/2025/11/26/12/logreview-stream-1-2025-11-26-12-00-00-abcd"
    s3.put_object(Bucket=bucket, Key=key, Body=firehose_object(docs))
    source = f"s3://{bucket}/firehose/"

    status, out = replay(
        capsys, source, "--format", "firehose", "--since", "2025-11-26", "--until", "2025-11-26"
    )
    assert status == 0, out
    assert "5 batches, 10 events, 1 skipped, 0 quarantined" in out
    first = snapshot(s3, bucket)
    (archived,) = [k for k in first if k.startswith("archive/")]  # one invocation: one object
    assert archived.startswith("archive/dt=2025-11-26/hour=12/admin_logs/")
    assert len(list(split_members(first[archived]))) == 5  # a member per envelope
    assert day_events(first, "2025-11-26") == 10

    status, _ = replay(capsys, source, "--format", "firehose")
    assert status == 2  # the day is counted now: replaying again would add, so it is refused
    status, _ = replay(
        capsys, source, "--format", "firehose", "--since", "2025-11-26", "--until", "2025-11-26",
        "--log-group", "/admin/logs", "--replace",
    )  # fmt: skip
    assert status == 0 and snapshot(s3, bucket) == first  # replaced: same keys, same bytes


def test_firehose_corpus_object_with_an_invalid_record(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = corpus_file("events", "otel-contrib__awsfirehose-cwlog__some_invalid_records")
    if not path.is_file():
        pytest.skip("../shared/corpus is absent")
    s3, bucket = aws["s3"], aws["bucket"]
    s3.put_object(Bucket=bucket, Key="fh/2024/09/05/object", Body=path.read_bytes())
    status, out = replay(capsys, f"s3://{bucket}/fh/", "--format", "firehose")
    assert status == 1  # something was quarantined: the operator must look
    assert "2 batches, 2 events, 0 skipped, 1 quarantined" in out and "bad_envelope" in out
    (note,) = [k for k in list_keys(s3, bucket, "quarantine/") if k.endswith(".bin")]
    assert orjson.loads(s3.get_object(Bucket=bucket, Key=note)["Body"].read())["TICKER_SYMBOL"] == "SAC"
    assert len(list_keys(s3, bucket, "aggregates/")) == 1  # both batches in one invocation's bundle


def test_export_object_counted_once_on_the_right_day_and_idempotent(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    s3, bucket = aws["s3"], aws["bucket"]
    s3.put_object(Bucket=bucket, Key=EXPORT_KEY, Body=gzip.compress(EXPORT_TEXT, mtime=0))
    s3.put_object(Bucket=bucket, Key="exports/aws-logs-write-test", Body=b"Permission Check Successful")
    source = f"s3://{bucket}/exports/"

    assert main(["replay", source, "--format", "export"]) == 2
    assert "exactly one --log-group" in capsys.readouterr().err

    status, out = replay(capsys, source, "--format", "export", "--log-group", "/admin/logs")
    assert status == 0, out
    assert "1 objects" in out and "2 batches, 4 events" in out
    first = snapshot(s3, bucket)
    assert (day_events(first, "2025-11-26"), day_events(first, "2025-11-27")) == (3, 1)
    archived = sorted(k.split("/")[1] for k in first if k.startswith("archive/"))
    assert archived == ["dt=2025-11-26"]  # one invocation, under its earliest event's day

    status, _ = replay(capsys, source, "--format", "export", "--log-group", "/admin/logs", "--workers", "1")
    assert status == 2  # counted now: refused rather than added
    days = ("--since", "2025-11-26", "--until", "2025-11-27")
    status, _ = replay(capsys, source, "--format", "export", "--log-group", "/admin/logs", *days, "--replace")
    assert status == 0 and snapshot(s3, bucket) == first
