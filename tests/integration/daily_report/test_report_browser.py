"""The HTML report in a real browser (headless Chromium): no console error, no CSP violation, key
figures visible, prints to PDF. `.ci/run` installs Debian's chromium when it is absent."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from daily_report.handler import lambda_handler as report_handler
from stream_processor.demo.browser import PageCheck, available, check_page
from stream_processor.handler import lambda_handler as stream_handler
from tests.support.builders import (
    ADMIN,
    brute_force,
    compress,
    envelope,
    log_event,
    subscription_event,
    syslog,
)

pytestmark = pytest.mark.skipif(
    not available() and not os.environ.get("CI"), reason="needs Debian's chromium and Playwright"
)
DAY = date(2026, 9, 14)


def test_html_report_loads_cleanly_shows_the_figures_and_prints(
    aws: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)
    start = int(datetime.combine(DAY, datetime.min.time(), UTC).timestamp() * 1000)
    messages = ["INFO user=alice action=deploy latency_ms=12 ok"] * 1234 + [
        "ERROR <script>alert(1)</script>"
    ] * 56
    events = [log_event(message, start + i * 1000) for i, message in enumerate(messages)]
    stream_handler(subscription_event(compress(envelope(events, log_group=ADMIN))), None)
    report_handler({"date": DAY.isoformat()}, None)
    page = tmp_path / "log_review.html"
    key = f"reports/{DAY:%Y/%m/%d}/log_review.html"
    page.write_bytes(aws["s3"].get_object(Bucket=aws["bucket"], Key=key)["Body"].read())
    picture = tmp_path / "log_review.png"
    found = check_page(page, picture)
    assert found.errors == []
    assert [
        text for kind, text in found.console if kind in ("error", "warning")
    ] == []  # CSP violations are errors
    for figure in ("Needs attention", "1,290", "56", "4.34 %", ADMIN):  # events, errors, error rate
        assert figure in found.text, figure
    assert "alert(1)" in found.text  # shown as text, never run
    assert found.pdf.startswith(b"%PDF") and len(found.pdf) > 10_000
    assert picture.read_bytes().startswith(b"\x89PNG")


def clean_page(page: Path) -> PageCheck:
    """The page loaded in Chromium, with no page error and no console error or warning (CSP)."""
    found = check_page(page)
    assert found.errors == []
    assert [text for kind, text in found.console if kind in ("error", "warning")] == []
    return found


def test_incidents_admin_actions_and_exceptions_render_cleanly_in_the_browser(tmp_path: Path) -> None:
    """The new sections in Chromium: visible, the full command shown as text, hostile text inert."""
    from daily_report.render.html import render_html
    from tests.unit.daily_report.test_review_sections import COMMAND, build_reviewed_report

    page = tmp_path / "review.html"
    page.write_text(render_html(build_reviewed_report()), encoding="utf-8")
    found = clean_page(page)
    for figure in (
        "Incidents (1)",
        "brute force from 203.0.113.45, then login as deploy and a privilege change [inc-7f3a9c]",
        "Admin actions (2)",
        "Suppressed by exception",
        "SEC-1",
        "expired 2026-12-05 12:00:00",
        "latency p99 1,380.5 ms",
    ):
        assert figure in found.text, figure
    assert COMMAND.split("\x1b")[0] in found.text  # the whole command, <script> shown as text
    assert found.pdf.startswith(b"%PDF")


def test_the_days_incident_and_admin_actions_in_the_browser(
    aws: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: a brute force, a login from the same address and a sudo command with a long,
    hostile command line streamed live; the HTML report shows one incident with its timeline and
    the admin action with the whole command, as text."""
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)
    start = int(datetime.combine(DAY, datetime.min.time(), UTC).timestamp() * 1000) + 3 * 3_600_000
    events = brute_force(start, 30)
    events.append(
        syslog(start + 60_000, "sshd[7]: Accepted password for deploy from 203.0.113.45 port 5 ssh2")
    )
    command = "COMMAND=/usr/bin/bash -c '" + "echo <b>x</b>; " * 60 + "'"
    events.append(syslog(start + 120_000, f"sudo:   deploy : TTY=pts/1 ; USER=root ; {command}"))
    stream_handler(subscription_event(compress(envelope(events, log_group=ADMIN))), None)
    report_handler({"date": DAY.isoformat()}, None)
    page = tmp_path / "log_review.html"
    key = f"reports/{DAY:%Y/%m/%d}/log_review.html"
    page.write_bytes(aws["s3"].get_object(Bucket=aws["bucket"], Key=key)["Body"].read())
    found = clean_page(page)
    for figure in (
        "Incidents (1)",
        "[incident HIGH]",
        "203.0.113.45",
        "Admin actions (1)",
        "Suppressed by exception",
    ):
        assert figure in found.text, figure
    assert command in found.text  # whole, and its <b> shown as text
