"""What the report and its SNS message claim: folded counters, silent groups, the link's life."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from daily_report.publish import PRESIGN_SECONDS, link_seconds
from daily_report.render.html import render_html
from daily_report.render.text import render_text
from daily_report.report import build_report
from daily_report.review.revision import finalise
from stream_processor import aggregate
from stream_processor.aggregate import counters
from stream_processor.config import Config

DAY = dt.date(2025, 11, 26)
ADMIN, OPERATOR = "/admin/logs", "/operator/logs"
NOW = dt.datetime(2025, 11, 27, 0, 15, tzinfo=dt.UTC)


def _partial(hours: dict[str, dict[str, aggregate.Window]]) -> aggregate.Partial:
    return {**aggregate.empty(), "date": str(DAY), "partials": 1, "windows": hours}


def _busy(events: int = 10) -> aggregate.Window:
    return {**aggregate.new_window(), "events": events}


def test_reports_say_how_much_was_folded_into_other() -> None:
    window = _busy(5000)
    window["principals"] = {f"user-{i}": 1 + i % 4 for i in range(3000)}
    truth = dict(window["principals"])
    aggregate.cap_window(window)
    report = finalise(build_report(DAY, _partial({ADMIN: {"12": window}}), 1, Config()), None, "T")
    folded = report["log_groups"][ADMIN]["folded"]["principals"]
    kept = report["log_groups"][ADMIN]["top_principals"]
    assert folded["events"] == sum(truth.values()) - sum(window["principals"].values())
    assert folded["kept"] == len(window["principals"]) <= aggregate.COUNTER_CAP
    assert abs(folded["kept"] + folded["keys"] - 3000) < 3000 * 0.15  # an estimate, said as one
    assert all(truth[entry["name"]] == entry["count"] for entry in kept)  # shown counts are exact
    assert all(counters.level(entry["name"]) >= window["folded"]["principals"]["level"] for entry in kept)
    note = f"{folded['events']:,} events of about {folded['keys']:,} more keys folded into 'other'"
    assert note in render_text(report) and "counts shown are exact" in render_text(report)
    assert note.replace("'", "&#x27;") in render_html(report)
    assert report["totals"]["folded_events"] == folded["events"]


def test_exact_reports_say_nothing_was_folded() -> None:
    report = finalise(build_report(DAY, _partial({ADMIN: {"12": _busy()}}), 1, Config()), None, "T")
    assert report["log_groups"][ADMIN]["folded"] == {}
    assert "every top list is complete and exact" in render_text(report)


def _silent_alerts(quiet: range, threshold: int) -> list[dict[str, object]]:
    hours = {f"{h:02d}": _busy() for h in range(24) if h not in quiet}
    config = Config(silent_hours=threshold)
    partial = _partial({ADMIN: hours, OPERATOR: {f"{h:02d}": _busy() for h in range(24)}})
    return [a for a in build_report(DAY, partial, 1, config)["alerts"] if a["rule"] == "silent_hours"]


def test_silent_hours_alert_follows_the_alarm_threshold_not_one_quiet_hour() -> None:
    assert _silent_alerts(range(9, 10), 6) == []  # one quiet hour: listed, not alerted
    assert _silent_alerts(range(3, 8), 6) == []  # five in a row: the alarm would not fire either
    (alert,) = _silent_alerts(range(3, 9), 6)
    assert (alert["value"], alert["threshold"], alert["hours"]) == (6, 6, [3, 4, 5, 6, 7, 8])
    (alert,) = _silent_alerts(range(9, 10), 1)  # configurable (Report.SilentHours)
    assert alert["hours"] == [9]


def test_link_lifetime_depends_on_what_signed_it() -> None:
    long_lived = SimpleNamespace(access_key="AKIA", token=None)
    assert link_seconds(long_lived, NOW) == (PRESIGN_SECONDS, False)
    expiring = SimpleNamespace(token="t", _expiry_time=NOW + dt.timedelta(hours=2))
    assert link_seconds(expiring, NOW) == (7200, False)  # no longer than the credentials
    lambda_session = SimpleNamespace(token="t")  # Lambda: session token, expiry not exposed
    assert link_seconds(lambda_session, NOW) == (PRESIGN_SECONDS, True)
    assert PRESIGN_SECONDS <= 12 * 3600
