"""Every covered secret shape (tests/support/planted_secrets.py, 40+ shapes) planted in log lines that the
pipeline keeps: no 10-character piece of any of them reaches a partial, a report (text, JSON,
HTML) or the SNS message, through the handlers against moto's server and through the pure
pipeline and renderers for many generated corpora."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from daily_report.handler import lambda_handler as daily_handler
from stream_processor.handler import lambda_handler
from stream_processor.pipeline import process_data
from stream_processor.redact import MASK
from tests.support.builders import compress, envelope, log_event, subscription_event
from tests.support.generated_day import day_start_ms
from tests.support.leaks import leaks, rendered_texts, stored_texts
from tests.support.planted_secrets import Planted, plant
from tests.support.readers import Inbox

DATE = "2025-11-26"


def _leaks(documents: dict[str, str], planted: list[Planted]) -> list[str]:
    return leaks(documents, [(item.shape, secret) for item in planted for secret in item.secrets])


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
    documents = {**stored_texts(s3, bucket, "aggregates/"), **stored_texts(s3, bucket, "reports/")}
    documents.update({f"sns:{i}": message for i, message in enumerate(inbox.messages())})
    assert len(documents) == 1 + 4 + 2 + 1  # partial, 4 report objects, day aggregate + index, SNS
    assert _leaks(documents, planted) == []
    report = orjson.loads(documents[f"reports/{DATE.replace('-', '/')}/log_review.json.gz"])
    assert report["totals"]["events"] == len(planted)
    assert MASK in {entry["name"] for entry in report["log_groups"]["/admin/logs"]["top_principals"]}


def test_forty_generated_corpora_leak_nothing_from_partials_or_rendered_reports() -> None:
    for seed in range(100, 140):
        planted = plant(seed)
        (partial,) = process_data(compress(envelope(_events(planted))))
        documents = rendered_texts(partial, DATE)
        assert _leaks(documents, planted) == [], seed
        principals = partial["windows"]["/admin/logs"]["01"]["principals"]
        assert principals.get(MASK, 0) >= 3, principals  # the typed passwords of sshd lines and the JSON user
