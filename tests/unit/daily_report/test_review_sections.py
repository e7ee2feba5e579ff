"""The report a reviewer reads: "needs attention" ranks incidents and changes without repeating the
alert list; incidents, every admin action (full command) and what exceptions suppressed appear in
the text report, the HTML page and the SNS summary alike; numbers are formatted in one way; log
text in the new sections is escaped (pure: report dicts built from real partials)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest

from daily_report.publish import Link
from daily_report.render.html import render_html
from daily_report.render.message import subject, summary_message
from daily_report.render.text import render_text
from daily_report.report import build_report
from daily_report.review.enrich import enrich
from daily_report.review.revision import finalise
from stream_processor import aggregate
from stream_processor.config import DEFAULT_DOCUMENT, Config, parse_config
from stream_processor.pipeline import process_data
from tests.support.builders import ADMIN, OPERATOR, brute_force, compress, envelope, log_event, syslog

DAY = date(2026, 12, 5)
T0 = int(datetime(2026, 12, 5, 3, 17, tzinfo=UTC).timestamp() * 1000)
HOSTILE = "<script>alert('x')</script>\x1b[31m"
COMMAND = (
    "TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/bash -c 'for h in "
    + " ".join(f"host-{i:03d}.internal" for i in range(40))
    + f"; do ssh $h sudo usermod -aG wheel deploy; done' {HOSTILE}"
)
SUDO_LINE = f"Dec  5 03:21:10 bastion-a sudo:   deploy : {COMMAND}"


def exceptions_doc() -> list[dict[str, Any]]:
    return [
        {"Rule": "sudo_to_root", "Principal": "deploy", "Reason": "release job", "Ticket": "OPS-88",
         "Owner": "platform@example.com", "Expires": "2026-12-31"},
        {"Rule": "auth_failure", "Cidr": "198.51.100.0/24", "Reason": "old pentest", "Ticket": "SEC-1",
         "Owner": "secops@example.com", "Expires": "2026-12-05T12:00:00Z"},
    ]  # fmt: skip


def config() -> Config:
    return parse_config({**DEFAULT_DOCUMENT, "Alerts": {"Exceptions": exceptions_doc()}})


def merged_day() -> aggregate.Partial:
    admin = brute_force(T0, 56)
    admin.append(
        syslog(T0 + 155_000, "sshd[7]: Accepted password for deploy from 203.0.113.45 port 51022 ssh2")
    )
    admin.append(log_event(SUDO_LINE, T0 + 250_000))
    slow = [log_event(orjson.dumps({"level": "info", "msg": "GET /api", "latency_ms": 1380.486}).decode(),
                      T0 + i) for i in range(50)]  # fmt: skip
    merged = aggregate.empty()
    for raw in (compress(envelope(admin, log_group=ADMIN)), compress(envelope(slow, log_group=OPERATOR))):
        for partial in process_data(raw):
            aggregate.merge_into(merged, partial)
    return merged


def incident() -> dict[str, Any]:
    first = "Dec  5 03:17:00 bastion-a sshd[100]: Failed password for invalid user oracle"
    timeline = [
        {"time": T0, "rule": "ssh_failed_login", "log_group": ADMIN, "stream": "i-0a4f/secure",
         "host": "bastion-a", "line": first},
        {"time": T0 + 250_000, "rule": "sudo_to_root", "log_group": ADMIN, "stream": "i-0a4f/secure",
         "host": "bastion-a", "line": SUDO_LINE},
    ]  # fmt: skip
    return {
        "id": "inc-7f3a9c", "kind": "brute_force_then_privilege", "severity": "high",
        "title": "brute force from 203.0.113.45, then login as deploy and a privilege change",
        "first": T0, "last": T0 + 250_000, "principals": ["deploy"], "sources": ["203.0.113.45"],
        "hosts": ["bastion-a"], "rules": ["ssh_failed_login", "ssh_password_login", "sudo_to_root"],
        "events": 58, "timeline": timeline,
    }  # fmt: skip


def admin_rows() -> list[dict[str, Any]]:
    return [
        {"time": T0 + 250_000, "who": "deploy", "kind": "sudo", "detail": COMMAND, "host": "bastion-a",
         "log_group": ADMIN, "stream": "i-0a4f/secure", "account": "123456789012", "region": None},
        {"time": T0 + 290_000, "who": "deploy", "kind": "iam_change", "log_group": ADMIN, "host": None,
         "detail": "AttachUserPolicy {\"policyArn\":\"arn:aws:iam::aws:policy/AdministratorAccess\"}",
         "stream": "app", "account": "123456789012", "region": "us-east-1"},
    ]  # fmt: skip


def build_reviewed_report() -> dict[str, Any]:
    """A finished report of the day above with one incident and two admin actions."""
    merged, cfg = merged_day(), config()
    body = build_report(DAY, merged, 2, cfg)
    body.update(incidents=[incident()], admin_actions=admin_rows(), admin_actions_total=2)
    enriched, _ = enrich(body, merged, [], [], cfg)
    return finalise(enriched, None, "2026-12-06T00:15:00Z")


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return build_reviewed_report()


def outputs(report: dict[str, Any]) -> tuple[str, str, str]:
    link = Link("https://signed", datetime(2026, 12, 6, 12, tzinfo=UTC), session_bound=False)
    return render_text(report), render_html(report), summary_message(report, ["s3://b/k"], link)


def test_needs_attention_ranks_incidents_first_and_does_not_repeat_the_alerts(report: dict[str, Any]) -> None:
    entries = report["needs_attention"]
    assert [e["kind"] for e in entries][:2] == ["incident", "exception_expired"]
    assert entries[0]["severity"] == "high" and "inc-7f3a9c" in entries[0]["text"]
    assert "203.0.113.45" in entries[0]["text"] and "59" not in entries[0]["text"]
    assert {"security_event", "latency_p99"} <= {a["rule"] for a in report["alerts"]}  # alerts exist…
    text, _, message = outputs(report)
    attention = text.split("NEEDS ATTENTION")[1].split("INCIDENTS")[0]
    assert "alert " not in attention and "threshold" not in attention  # …and are not repeated
    assert "ssh_failed_login: 56" not in attention and "latency_p99" not in attention
    assert "Needs attention:" in message and "[incident HIGH]" in message


def test_expired_and_active_exceptions_are_listed_with_their_counts(report: dict[str, Any]) -> None:
    sudo, pentest = report["exceptions"]
    assert (sudo["status"], pentest["status"]) == ("active", "expired")
    assert pentest["expires"] == "2026-12-05T12:00:00Z" and pentest["match"] == "cidr=198.51.100.0/24"
    assert pentest["count"] == 0  # no evidence from that block
    expired = [e for e in report["needs_attention"] if e["kind"] == "exception_expired"]
    assert len(expired) == 1 and "SEC-1" in expired[0]["text"] and "secops@example.com" in expired[0]["text"]
    text, html, _ = outputs(report)
    assert "SUPPRESSED BY EXCEPTION" in text and "EXPIRED 2026-12-05 12:00:00" in text
    assert "OPS-88" in html and "expired 2026-12-05 12:00:00" in html


def test_every_admin_action_shows_the_full_command(report: dict[str, Any]) -> None:
    assert len(COMMAND) > 500
    text, html, message = outputs(report)
    assert COMMAND.replace("\x1b", "\\x1b") in text  # whole, made inert
    assert "\x1b" not in text
    assert "ADMIN ACTIONS (2)" in text and "deploy  sudo  bastion-a, /admin/logs i-0a4f/secure" in text
    assert "account 123456789012 us-east-1" in text and "IAM change" in text
    assert "usermod -aG wheel deploy; done&#x27; &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>" not in html and "\x1b" not in html
    assert "sudo usermod" not in message and "admin actions 2" in message  # no log text in SNS


def test_the_three_renderings_agree_on_incidents_and_counts(report: dict[str, Any]) -> None:
    text, html, message = outputs(report)
    counts = "incidents 1, admin actions 2, suppressed by exception"
    assert counts in message
    assert subject(report) == f"logreview daily review 2026-12-05: 1 incident, {len(report['alerts'])} alerts"
    suppressed = sum(row["count"] for row in report["exceptions"])
    assert f"suppressed by exception {suppressed:,} events (2 exceptions, 1 expired)" in message
    for rendering in (text, html, message):
        assert "brute force from 203.0.113.45, then login as deploy and a privilege change" in rendering
        assert "inc-7f3a9c" in rendering
        assert "2026-12-05 03:17:00 to 03:21:10" in rendering
        for entry in report["needs_attention"]:
            assert entry["text"].split(":")[0].replace("'", "&#x27;") in rendering
    assert "Incidents (1)" in html and "Admin actions (2)" in html and "INCIDENTS (1)" in text


def test_numbers_are_formatted_one_way(report: dict[str, Any]) -> None:
    p99 = report["log_groups"][OPERATOR]["latency_ms"]["p99"]
    assert p99 > 1000 and round(p99, 1) != p99  # a raw value with more than one decimal
    for rendering in outputs(report):
        assert str(p99) not in rendering
        assert not re.search(r"\b\d{4,}\.\d\b", rendering)  # never 1380.5 without a separator
    text, html, message = outputs(report)
    shown = f"{p99:,.1f} ms"
    assert f"latency p99 {shown} > 1,000.0 ms" in text and shown in html and shown in message


def test_hostile_incident_lines_are_inert_and_escaped() -> None:
    merged, cfg = merged_day(), config()
    body = build_report(DAY, merged, 2, cfg)
    evil = {**incident(), "title": "<img src=x onerror=alert(1)>", "id": "<b>id</b>"}
    evil["timeline"] = [{**evil["timeline"][0], "line": HOSTILE, "host": "<i>h</i>"}]
    body.update(incidents=[evil], admin_actions=[{**admin_rows()[0], "who": "<u>who</u>"}])
    enriched, _ = enrich(body, merged, [], [], cfg)
    html = render_html(finalise(enriched, None, "x"))
    for raw in ("<img", "<script", "<b>id", "<i>h", "<u>who", "\x1b"):
        assert raw not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;u&gt;who&lt;/u&gt;" in html


def test_an_incident_line_names_five_sources_and_its_section_names_them_all() -> None:
    merged, cfg = merged_day(), config()
    body = build_report(DAY, merged, 2, cfg)
    sources = [f"198.51.100.{i}" for i in range(1, 9)]
    body.update(incidents=[{**incident(), "sources": sources}], admin_actions=[])
    enriched, _ = enrich(body, merged, [], [], cfg)
    report = finalise(enriched, None, "x")
    assert "198.51.100.5 and 3 more" in report["needs_attention"][0]["text"]
    section = render_text(report).split("INCIDENTS (1)")[1].split("ADMIN ACTIONS")[0]
    assert "sources " + ", ".join(sources) in section
