"""Looking for secrets that left the archive: the texts a partial becomes (the partial itself, the
text, HTML and JSON reports, the SNS message) or that S3 holds, and the pieces of each planted
secret found in them. Shared by tests/integration/processor/test_secrets.py and the planted-shapes tests."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from daily_report.publish import Link
from daily_report.render.html import render_html
from daily_report.render.message import summary_message
from daily_report.render.text import render_text
from daily_report.report import build_report
from daily_report.review.revision import finalise
from stream_processor import aggregate
from stream_processor.config import Config
from tests.support.aws import list_keys

LINK = Link("https://example.invalid/report.html", datetime(2025, 11, 27, 12, tzinfo=UTC), session_bound=True)
WINDOW = 10  # no 10-character piece of any secret may appear outside the archive


def stored_texts(s3: Any, bucket: str, prefix: str) -> dict[str, str]:
    """Every object under `prefix` as text, gunzipped when it is gzip."""
    found = {}
    for key in list_keys(s3, bucket, prefix):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        found[key] = (gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body).decode("utf-8", "replace")
    return found


def rendered_texts(partial: aggregate.Partial, day: str) -> dict[str, str]:
    """The partial and everything the daily report makes of it, as the pure code renders them."""
    reported = date.fromisoformat(day)
    generated_at = f"{reported + timedelta(days=1)}T00:15:00Z"
    report = finalise(build_report(reported, partial, 1, Config()), None, generated_at)
    return {
        "partial": aggregate.encode(partial).decode(),
        "text": render_text(report),
        "html": render_html(report),
        "json": orjson.dumps(report).decode(),
        "sns": summary_message(report, ["s3://bucket/key"], LINK),
    }


def leaks(documents: dict[str, str], secrets: Iterable[tuple[str, str]]) -> list[str]:
    """`document: label` for each (label, secret) of which some `WINDOW`-character piece appears."""
    found = []
    for label, secret in secrets:
        pieces = {secret[i : i + WINDOW] for i in range(len(secret) - WINDOW + 1)}
        found += [f"{name}: {label}" for name, text in documents.items() if any(p in text for p in pieces)]
    return found
