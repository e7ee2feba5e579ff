"""The daily report's pure parts: days, streaming merge, report, revisions, renderers, message."""

from __future__ import annotations

import random
import re
import threading
import time
import weakref
from datetime import UTC, date, datetime
from typing import Any

import pytest

from daily_report.days import day_range, lookback, report_day
from daily_report.errors import ReportError
from daily_report.publish import Link, daily_metric_data
from daily_report.render.formatting import inert
from daily_report.render.html import render_html
from daily_report.render.message import subject, summary_message
from daily_report.render.text import render_text
from daily_report.report import build_report
from daily_report.review.revision import content, encode, finalise
from daily_report.source.merge import merge_stream
from daily_report.source.rollup_doc import PartialObject
from stream_processor import aggregate
from stream_processor.config import Config
from stream_processor.pipeline import process_data
from tests.support.builders import (
    ADMIN,
    OPERATOR,
    compress,
    envelope,
    generated_day,
    labelled_batches,
    log_event,
)

DAY = date(2026, 3, 14)
STAMP = "2026-03-15T00:15:00Z"


@pytest.fixture(scope="module")
def partials() -> list[aggregate.Partial]:
    """The partials of a generated day (one per batch), as the stream processor writes them."""
    found = [p for raw in labelled_batches(generated_day(DAY.isoformat())) for p in process_data(raw)]
    return [p for p in found if p["date"] == DAY.isoformat()]


def _report(
    merged: aggregate.Partial, batches: int = 1, previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    return finalise(build_report(DAY, merged, batches, Config()), previous, STAMP)


# --- which day ---


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {"detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-26T00:15:00Z"},
            "2026-11-25",
        ),
        ({"detail-type": "Scheduled Event", "time": "2026-01-01T00:00:00Z"}, "2025-12-31"),
        ({"detail-type": "Scheduled Event", "time": "2024-03-01T23:59:59+00:00"}, "2024-02-29"),
        ({"date": "2026-02-28"}, "2026-02-28"),
    ],
)
def test_report_day_of_scheduled_and_explicit_events(event: dict[str, Any], expected: str) -> None:
    assert report_day(event).isoformat() == expected


@pytest.mark.parametrize(
    "event", [{"date": "2026-02-29"}, {"date": "26-1-1"}, {"Records": []}, {"detail-type": "Scheduled Event"}]
)
def test_report_day_rejects_bad_events_with_a_clear_error(event: dict[str, Any]) -> None:
    with pytest.raises(ReportError):
        report_day(event)


def test_ranges_and_lookback() -> None:
    assert day_range(date(2026, 2, 27), date(2026, 3, 1)) == [
        date(2026, 2, 27),
        date(2026, 2, 28),
        date(2026, 3, 1),
    ]
    with pytest.raises(ReportError, match="before"):
        day_range(date(2026, 3, 2), date(2026, 3, 1))
    assert list(lookback(date(2026, 3, 1), 2)) == [date(2026, 2, 28), date(2026, 2, 27)]


# --- streaming merge ---


def test_merge_stream_is_order_independent_and_bounded(partials: list[aggregate.Partial]) -> None:
    """Fetches complete in random order on a pool; the result equals a sequential merge and only a
    bounded number of fetched bodies is alive at any time (memory does not grow with the count)."""
    bodies = {f"k{i}": aggregate.encode(p) for i, p in enumerate(partials * 10)}
    alive = peak = 0
    lock = threading.Lock()

    def freed() -> None:
        nonlocal alive
        with lock:
            alive -= 1

    def fetch(obj: PartialObject) -> bytes:
        nonlocal alive, peak
        if random.random() < 0.2:
            time.sleep(0.001)  # some fetches are slow: completion order differs from listing order
        loaded: Any = memoryview(bodies[obj.key])  # a view, because bytes cannot be weakly referenced
        weakref.finalize(loaded, freed)
        with lock:
            alive += 1
            peak = max(peak, alive)
        return loaded

    now = datetime(2026, 3, 15, tzinfo=UTC)
    result = merge_stream((PartialObject(key, now) for key in bodies), fetch, workers=4)
    expected = aggregate.empty()
    for partial in partials * 10:
        aggregate.merge_into(expected, partial)
    assert aggregate.encode(result.partial) == aggregate.encode(expected)
    assert result.objects == len(bodies) and result.newest == now
    assert peak <= 4 * 4, f"{peak} partials alive at once"


def test_shuffled_merge_orders_give_byte_identical_reports(partials: list[aggregate.Partial]) -> None:
    encoded = set()
    rng = random.Random(11)
    for _ in range(6):
        order = partials[:]
        rng.shuffle(order)
        halves = aggregate.empty(), aggregate.empty()
        for i, partial in enumerate(order):
            aggregate.merge_into(halves[i % 2], partial)
        encoded.add(encode(_report(aggregate.merge(halves[1], halves[0]), len(order))))
    assert len(encoded) == 1


# --- the report ---


def test_report_has_the_design_schema(partials: list[aggregate.Partial]) -> None:
    merged = aggregate.empty()
    for partial in partials:
        aggregate.merge_into(merged, partial)
    report = _report(merged, len(partials))
    for key in ("schema", "date", "generated_at", "partials", "batches", "totals", "log_groups", "alerts"):
        assert key in report
    assert set(report["totals"]) >= {"events", "errors", "error_rate", "security_events"}
    group = report["log_groups"][ADMIN]
    for key in ("events", "errors", "error_rate", "levels", "latency_ms", "security_events", "hourly"):
        assert key in group
    assert set(group["latency_ms"]) >= {"count", "p50", "p95", "p99", "max"}
    assert len(group["hourly"]) == 24 and set(group["hourly"][0]) == {"events", "errors"}
    assert all(set(a) >= {"rule", "log_group", "value", "threshold"} for a in report["alerts"])
    assert report["alerts"] == sorted(
        report["alerts"], key=lambda a: (a["log_group"], a["rule"], a.get("security_rule", ""))
    )


def test_empty_day_still_reports_and_alerts_on_silent_groups() -> None:
    report = _report(aggregate.empty(), 0)
    assert set(report["log_groups"]) == {ADMIN, OPERATOR}
    assert report["totals"] == {
        "events": 0,
        "errors": 0,
        "error_rate": 0.0,
        "security_events": 0,
        "bytes": 0,
        "folded_events": 0,
    }
    assert report["log_groups"][ADMIN]["latency_ms"] is None
    silent = [a for a in report["alerts"] if a["rule"] == "silent_hours"]
    assert [(a["log_group"], a["value"]) for a in silent] == [(ADMIN, 24), (OPERATOR, 24)]
    assert "no events" in render_text(report)
    assert "No latency measurements" in render_html(report)


def test_thresholds_come_from_the_config() -> None:
    slow_error = '{"level": "ERROR", "latency_ms": 1500, "msg": "x"}'
    raw = compress(envelope([log_event(slow_error, 1_773_446_400_000 + i) for i in range(3)]))
    (partial,) = process_data(raw)
    strict = build_report(DAY, partial, 1, Config())
    lenient = build_report(DAY, partial, 1, Config(error_rate_threshold=1.0, latency_threshold_ms=2000))
    assert {a["rule"] for a in strict["alerts"] if a["log_group"] == ADMIN} == {
        "error_rate",
        "latency_p99",
        "silent_hours",
    }
    assert {a["rule"] for a in lenient["alerts"] if a["log_group"] == ADMIN} == {"silent_hours"}


# --- revisions ---


def test_revision_only_moves_when_content_changes(partials: list[aggregate.Partial]) -> None:
    merged = aggregate.empty()
    for partial in partials[:-1]:
        aggregate.merge_into(merged, partial)
    first = _report(merged, len(partials) - 1)
    assert (first["revision"], first["late_data"]) == (1, {"since_revision": None, "partials": 0})
    again = finalise(build_report(DAY, merged, len(partials) - 1, Config()), first, "2026-03-16T08:00:00Z")
    assert (
        again["revision"] == 1
        and content(again) == content(first)
        and again["generated_at"] != first["generated_at"]
    )
    aggregate.merge_into(merged, partials[-1])
    late = _report(merged, len(partials), previous=again)
    assert late["revision"] == 2 and late["late_data"] == {"since_revision": 1, "partials": 1}
    stable = _report(merged, len(partials), previous=late)
    assert (stable["revision"], stable["late_data"]) == (2, late["late_data"])


# --- renderers and the message ---


def test_renderers_make_log_text_inert() -> None:
    hostile = 'ERROR <script>alert(1)</script> "quoted" \x1b[31mred\x1b[0m <img src=x onerror=alert(2)>'
    raw = compress(envelope([log_event(hostile, 1_773_446_400_000)], log_group="/ops/<b>bold</b>"))
    (partial,) = process_data(raw)
    report = finalise(build_report(DAY, partial, 1, Config()), None, STAMP)
    page = render_html(report)
    assert "<script" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert not re.search(r"<[^>]*\s(src|href)\s*=", page), "no external assets"
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    text = render_text(report)
    assert "\x1b" not in text and "\\x1bred" not in text and "\\x1b[31mred" in text
    assert inert("a\nb\rc\u202ed") == "a\\x0ab\\x0dc?d"


def test_message_and_metric_datums() -> None:
    report = _report(aggregate.empty(), 0)
    until = datetime(2026, 3, 15, 12, 15, tzinfo=UTC)
    link = Link("https://signed", until, session_bound=True)
    body = summary_message(report, ["s3://b/reports/2026/03/14/log_review.gz"], link, [])
    assert "2026-03-14" in body and "silent for 24 consecutive hours" in body and "https://signed" in body
    assert "link valid until 2026-03-15 12:15 UTC at the latest" in body and "role session" in body
    assert "7 days" not in body
    assert subject(report) == "logreview daily review 2026-03-14: 0 incidents, 2 alerts"
    now = datetime(2026, 3, 15, 0, 15, tzinfo=UTC)
    datums = daily_metric_data(report, now)
    names = sorted({d["MetricName"] for d in datums})
    assert names == ["DailyErrorRate", "DailyEventCount", "DailySecurityEvents", "ReportGenerated"]
    assert {d["Timestamp"] for d in datums if d["MetricName"] != "ReportGenerated"} == {
        datetime(2026, 3, 14, tzinfo=UTC)
    }
    assert len(datums) == 1 + 3 * 3  # total + two log groups, plus ReportGenerated
    too_old = daily_metric_data(report, datetime(2026, 4, 30, tzinfo=UTC))
    assert [d["MetricName"] for d in too_old] == ["ReportGenerated"]
