"""Replaying export-task or Firehose objects over a day the live path already counted (docs/design.md §8,
issue 12): refused with a message naming --replace, or with --replace the live partials are set
aside and the report equals the ground truth, never twice the events."""

from __future__ import annotations

import datetime as dt
import gzip
import random
import time
from collections import Counter
from typing import Any

import orjson
import pytest

from daily_report.report import build_report
from daily_report.source.hourly import merge_day
from daily_report.source.reader import PartialSource
from stream_processor.cli import main
from stream_processor.config import Config
from stream_processor.handler import lambda_handler
from tests.support.aws import list_keys
from tests.support.builders import compress, envelope, log_event, subscription_event

DAY = dt.date(2025, 11, 26)
DAY_MS = 1_764_115_200_000  # 2025-11-26T00:00:00Z
ADMIN, STREAM = "/admin/logs", "i-0123456789abcdef0"
EXPORT_PREFIX = "exports/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/"


def _events() -> list[dict[str, Any]]:
    rng = random.Random(26)
    events = []
    for n in range(60):
        level = rng.choice(("INFO", "INFO", "WARN", "ERROR"))
        user = rng.choice(("alice", "bob", "carol"))
        message = orjson.dumps({"level": level, "user": user, "action": f"op{n % 4}", "latency_ms": n + 1})
        events.append(log_event(message.decode(), DAY_MS + 3_600_000 * (n % 20) + n))
    return events


def _live(events: list[dict[str, Any]]) -> None:
    for start in range(0, len(events), 5):  # the Lambda's subscription batches: 5 events each
        lambda_handler(subscription_event(compress(envelope(events[start : start + 5]))), None)


def _export_object(events: list[dict[str, Any]]) -> bytes:
    lines = []
    for event in events:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(event["timestamp"] // 1000))
        lines.append(f"{stamp}.{event['timestamp'] % 1000:03d}Z {event['message']}")
    return gzip.compress("\n".join(lines).encode() + b"\n", mtime=0)


def _firehose_object(events: list[dict[str, Any]]) -> bytes:
    # the Firehose destination's own batches: the same events, grouped 7 at a time
    docs = [orjson.dumps(envelope(events[start : start + 7])) for start in range(0, len(events), 7)]
    return b"".join(gzip.compress(doc, mtime=0) for doc in docs)


def _report(s3: Any, bucket: str) -> dict[str, Any]:
    merged = merge_day(PartialSource(bucket, s3, workers=4), DAY)
    return build_report(DAY, merged.partial, merged.objects, Config())["log_groups"][ADMIN]


def _truth(events: list[dict[str, Any]]) -> dict[str, Any]:
    docs = [orjson.loads(event["message"]) for event in events]
    levels = Counter("WARN" if d["level"] == "WARN" else d["level"] for d in docs)
    hourly = Counter((event["timestamp"] - DAY_MS) // 3_600_000 for event in events)
    return {
        "events": len(events),
        "errors": levels["ERROR"],
        "hourly": [hourly.get(hour, 0) for hour in range(24)],
        "principals": sorted(Counter(d["user"] for d in docs).items()),
    }


def _observed(section: dict[str, Any]) -> dict[str, Any]:
    return {
        "events": section["events"],
        "errors": section["errors"],
        "hourly": [hour["events"] for hour in section["hourly"]],
        "principals": sorted((p["name"], p["count"]) for p in section["top_principals"]),
    }


@pytest.mark.parametrize("source_format", ["export", "firehose"])
def test_foreign_replay_over_a_live_day_refuses_then_replaces(
    aws: dict[str, Any], source_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    s3, bucket = aws["s3"], aws["bucket"]
    events = _events()
    _live(events)
    truth = _truth(events)
    assert _observed(_report(s3, bucket)) == truth
    if source_format == "export":
        key, body = f"{EXPORT_PREFIX}{STREAM}/000000.gz", _export_object(events)
    else:
        key, body = "firehose/2025/11/26/12/delivery-1-2025-11-26-12-00-00-abc.gz", _firehose_object(events)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    source = f"s3://{bucket}/{key.rsplit('/', 3 if source_format == 'export' else 5)[0]}/"
    args = [
        "replay",
        source,
        "--format",
        source_format,
        "--log-group",
        ADMIN,
        "--since",
        str(DAY),
        "--until",
        str(DAY),
    ]
    before = list_keys(s3, bucket)

    assert main(args) == 2  # refused: the live partials already count these events
    err = capsys.readouterr().err
    assert "--replace" in err and "twice" in err and "aggregates/dt=2025-11-26/" in err
    assert list_keys(s3, bucket) == before and _observed(_report(s3, bucket)) == truth

    assert main([*args, "--replace"]) == 0
    after = _report(s3, bucket)
    assert _observed(after) == truth  # replaced, not added
    assert list_keys(s3, bucket, "superseded/aggregates/") and list_keys(s3, bucket, "superseded/archive/")
    # an archive replay of the day afterwards reads only the replayed batches: still the truth
    assert main(["replay", "--since", str(DAY), "--until", str(DAY)]) == 0
    assert _observed(_report(s3, bucket)) == truth

    assert main(args) == 2  # the replayed partials count the day now: refused again ...
    capsys.readouterr()
    assert main([*args, "--replace"]) == 0  # ... and replacing them again changes nothing
    assert _report(s3, bucket) == after


def test_foreign_replay_of_an_uncounted_day_needs_no_flag(aws: dict[str, Any]) -> None:
    s3, bucket = aws["s3"], aws["bucket"]
    events = _events()
    s3.put_object(Bucket=bucket, Key=f"{EXPORT_PREFIX}{STREAM}/000000.gz", Body=_export_object(events))
    args = ["replay", f"s3://{bucket}/exports/", "--format", "export", "--log-group", ADMIN]
    assert main([*args, "--since", str(DAY), "--until", str(DAY)]) == 0
    assert _observed(_report(s3, bucket)) == _truth(events)
    assert not list_keys(s3, bucket, "superseded/")
    assert main(args) == 2  # now the replayed partials count the day: a second replay is refused
    assert main([*args, "--replace"]) == 2  # and replacing needs the days named (--since/--until)
    assert _observed(_report(s3, bucket)) == _truth(events)
