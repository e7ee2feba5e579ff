"""Every covered secret shape (tests/planted_secrets.py, 40+ shapes) planted in log lines that the
pipeline keeps: no 10-character piece of any of them reaches a partial, a report (text, JSON,
HTML) or the SNS message, through the handlers against moto's server and through the pure
pipeline and renderers for many generated corpora."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
import pytest

from daily_report.handler import lambda_handler as daily_handler
from daily_report.message import summary_message
from daily_report.render_html import render_html
from daily_report.render_text import render_text
from daily_report.report import build_report
from daily_report.revision import finalise
from stream_processor import aggregate
from stream_processor.config import Config
from stream_processor.handler import lambda_handler
from stream_processor.pipeline import process_data
from stream_processor.redact import MASK
from tests.builders import compress, envelope, log_event, subscription_event
from tests.faults import Inbox, day_start_ms
from tests.planted_secrets import Planted, plant
from tests.test_secrets import LINK, _texts

DATE = "2025-11-26"
WINDOW = 10


def _leaks(documents: dict[str, str], planted: list[Planted]) -> list[str]:
    leaks = []
    for item in planted:
        for secret in item.secrets:
            pieces = {secret[i : i + WINDOW] for i in range(len(secret) - WINDOW + 1)}
            leaks += [
                f"{name}: {item.shape}" for name, text in documents.items() if any(p in text for p in pieces)
            ]
    return leaks


def _events(planted: list[Planted]) -> list[dict[str, Any]]:
    start = day_start_ms(DATE) + 3_600_000
    return [log_event(item.message, start + i * 1000) for i, item in enumerate(planted)]


def test_no_piece_of_any_shape_leaves_the_archive_through_the_handlers(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = Inbox.create(aws["bucket"])
    monkeypatch.setenv("ALERT_TOPIC_ARN", inbox.topic_arn)
    planted = plant(7)
    lambda_handler(subscription_event(compress(envelope(_events(planted), log_group="/admin/logs"))), None)
    daily_handler({"date": DATE}, None)
    s3, bucket = aws["s3"], aws["bucket"]
    documents = {**_texts(s3, bucket, "aggregates/"), **_texts(s3, bucket, "reports/")}
    documents.update({f"sns:{i}": message for i, message in enumerate(inbox.messages())})
    assert len(documents) == 1 + 3 + 1  # the partial, three report objects, one SNS message
    assert _leaks(documents, planted) == []
    report = orjson.loads(documents[f"reports/{DATE.replace('-', '/')}/log_review.json.gz"])
    assert report["totals"]["events"] == len(planted)
    assert MASK in {entry["name"] for entry in report["log_groups"]["/admin/logs"]["top_principals"]}


def test_forty_generated_corpora_leak_nothing_from_partials_or_rendered_reports() -> None:
    config = Config()
    for seed in range(100, 140):
        planted = plant(seed)
        (partial,) = process_data(compress(envelope(_events(planted))))
        report = finalise(
            build_report(date.fromisoformat(DATE), partial, 1, config), None, "2025-11-27T00:15:00Z"
        )
        documents = {
            "partial": aggregate.encode(partial).decode(),
            "text": render_text(report),
            "html": render_html(report),
            "json": orjson.dumps(report).decode(),
            "sns": summary_message(report, ["s3://bucket/key"], LINK),
        }
        assert _leaks(documents, planted) == [], seed
        principals = partial["windows"]["/admin/logs"]["01"]["principals"]
        assert principals.get(MASK, 0) >= 3, principals  # the typed passwords of sshd lines and the JSON user
