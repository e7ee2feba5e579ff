"""What changed and what is new: an 8-day history through the real handlers over moto.

Days 1–7 are identical; day 8 adds exactly: a new principal (in a security event), a jump of the
ssh failure rule(s), and a doubled error rate in hour 10. Exactly those must be flagged, with
the right reference values, while the day's event count stays flat.
"""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from daily_report.handler import lambda_handler as report_handler
from daily_report.publish import Link
from daily_report.render.message import summary_message
from stream_processor.cli import main
from stream_processor.handler import lambda_handler as stream_handler
from tests.support.builders import ADMIN, compress, envelope, log_event, subscription_event

FIRST = date(2026, 10, 1)
NORMAL = "INFO user=alice action=deploy latency_ms=12 deployed"
FAILED = "sshd[411]: Failed password for invalid user admin from 203.0.113.9 port 22 ssh2"
ERROR = "ERROR user=alice action=deploy latency_ms=12 disk full on /dev/xvda1"
NEWCOMER = "INFO user=mallory action=deploy latency_ms=12 sshd: Failed password for mallory"


def _messages(hour: int, last_day: bool) -> list[str]:
    """Ten events per hour; the day-8 differences are substitutions, so volume stays flat."""
    lines = [NORMAL] * 10
    if hour == 3:
        lines[:2] = [FAILED] * 2
    if hour == 10:
        lines[: 4 if last_day else 2] = [ERROR] * (4 if last_day else 2)
    if last_day and hour in (5, 6):
        lines = [FAILED] * 10
    if last_day and hour == 2:  # early: the security link is read from the rule samples (5, earliest)
        lines[0] = NEWCOMER
    return lines


def _stream_day(day: date, last_day: bool = False) -> None:
    start = int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000)
    events = [
        log_event(message, start + hour * 3_600_000 + i * 1000)
        for hour in range(24)
        for i, message in enumerate(_messages(hour, last_day))
    ]
    stream_handler(subscription_event(compress(envelope(events, log_group=ADMIN))), None)


def _report(aws: dict[str, Any], key: str) -> dict[str, Any]:
    body = aws["s3"].get_object(Bucket=aws["bucket"], Key=key)["Body"].read()
    return dict(orjson.loads(gzip.decompress(body)))


def _daily(aws: dict[str, Any], day: date) -> dict[str, Any]:
    return _report(aws, f"reports/{day:%Y/%m/%d}/log_review.json.gz")


def test_eight_days_flag_exactly_what_changed(aws: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)
    days = [FIRST + timedelta(days=n) for n in range(8)]
    for day in days:
        _stream_day(day, last_day=day == days[-1])
        report_handler({"date": day.isoformat()}, None)
    before, report = _daily(aws, days[-2]), _daily(aws, days[-1])
    admin, usual = report["log_groups"][ADMIN], before["log_groups"][ADMIN]
    assert admin["baseline"]["history_days"] == 7
    assert admin["baseline"]["days"] == [d.isoformat() for d in reversed(days[:-1])]
    jumped = {
        rule for rule, n in admin["security_events"].items() if n != usual["security_events"].get(rule, 0)
    }
    assert jumped  # the ssh failure rule(s) went from 2 a day to 20+
    flagged = {change["metric"] for change in admin["changes"]}
    assert flagged == {"hour.10.error_rate"} | {f"security.{rule}" for rule in jumped}
    hour = next(c for c in admin["changes"] if c["metric"] == "hour.10.error_rate")
    assert (hour["value"], hour["reference"], hour["ratio"], hour["direction"]) == (0.4, 0.2, 2, "up")
    for rule in jumped:
        change = next(c for c in admin["changes"] if c["metric"] == f"security.{rule}")
        assert change["reference"] == usual["security_events"][rule] and change["value"] > change["reference"]
    assert admin["events"] == usual["events"] == 240  # flat, and not flagged
    assert admin["baseline"]["reference"]["events"]["median"] == 240
    assert admin["new_principals"] == [{"name": "mallory", "count": 1, "security": True}]
    assert (
        admin["new_principals_total"],
        admin["new_actions_total"],
        admin["new_error_signatures_total"],
    ) == (
        1,
        0,
        0,
    )
    first_seen = [e for e in report["needs_attention"] if e["kind"] == "first_seen"]
    assert first_seen[0]["text"].startswith("new principal mallory")
    kinds = [e["kind"] for e in report["needs_attention"]]
    assert kinds.index("first_seen") < kinds.index("change")  # a new principal in a security event first
    text = gzip.decompress(
        aws["s3"]
        .get_object(Bucket=aws["bucket"], Key=f"reports/{days[-1]:%Y/%m/%d}/log_review.gz")["Body"]
        .read()
    ).decode()
    assert text.index("NEEDS ATTENTION") < text.index("SUMMARY")
    assert "new principal mallory" in text and "hour.10.error_rate" in text
    link = Link("https://x", datetime(2026, 10, 9, tzinfo=UTC), session_bound=False)
    message = summary_message(report, ["s3://x"], link)
    assert message.index("Needs attention:") < message.index("Alerts (")
    assert "new principal mallory" in message
    page = aws["s3"].get_object(Bucket=aws["bucket"], Key=f"reports/{days[-1]:%Y/%m/%d}/log_review.html")
    html = page["Body"].read().decode()
    assert html.index("Needs attention") < html.index("Summary") and 'class="spark"' in html
    assert "10:00 deviates from the baseline" in html


def test_short_history_is_said_honestly(aws: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)
    first, second = FIRST + timedelta(days=40), FIRST + timedelta(days=41)
    for day in (first, second):
        _stream_day(day)
        report_handler({"date": day.isoformat()}, None)
    one, two = _daily(aws, first)["log_groups"][ADMIN], _daily(aws, second)["log_groups"][ADMIN]
    assert one["baseline"]["history_days"] == 0 and one["changes"] == [] and one["new_principals"] == []
    assert two["baseline"]["history_days"] == 1 and two["changes"] == [] and two["new_principals_total"] == 0
    text = gzip.decompress(
        aws["s3"]
        .get_object(Bucket=aws["bucket"], Key=f"reports/{first:%Y/%m/%d}/log_review.gz")["Body"]
        .read()
    ).decode()
    assert f"{ADMIN} (0 days of history): 0 change(s)" in text


def test_weekly_report_equals_the_merge_of_its_days(
    aws: dict[str, Any], monkeypatch: Any, capsys: Any
) -> None:
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)
    monday = date(2026, 11, 16)  # ISO week 2026-W47
    days = [monday + timedelta(days=n) for n in range(7)]
    for n, day in enumerate(days):
        _stream_day(day, last_day=n == 3)
        report_handler({"date": day.isoformat()}, None)
    assert main(["report", "--week", "2026-W47", "--quiet"]) == 0
    assert "reports/weekly/2026-W47/log_review.json.gz" in capsys.readouterr().out
    weekly = _report(aws, "reports/weekly/2026-W47/log_review.json.gz")
    dailies = [_daily(aws, day) for day in days]
    assert weekly["period"] == {
        "kind": "weekly",
        "label": "2026-W47",
        "from": "2026-11-16",
        "to": "2026-11-22",
    }
    for key in ("events", "errors", "security_events"):
        assert weekly["totals"][key] == sum(d["totals"][key] for d in dailies)
    group, parts = weekly["log_groups"][ADMIN], [d["log_groups"][ADMIN] for d in dailies]
    assert [h["errors"] for h in group["hourly"]] == [
        sum(p["hourly"][h]["errors"] for p in parts) for h in range(24)
    ]
    for rule, count in group["security_events"].items():
        assert count == sum(p["security_events"].get(rule, 0) for p in parts)
    top = {entry["name"]: entry["count"] for entry in group["top_principals"]}
    assert top["alice"] == sum(
        entry["count"] for p in parts for entry in p["top_principals"] if entry["name"] == "alice"
    )
    bad = main(["report", "--week", "2026-48"])
    assert bad == 2 and "not an ISO week" in capsys.readouterr().err
