"""`logreview demo` end to end over moto's server, and the demo's pure parts (agent rules, batching,
alarms on EMF)."""

from __future__ import annotations

import contextlib
import gzip
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest

from stream_processor.cli import main
from stream_processor.demo import agent, browser
from stream_processor.demo.alerts import AlertWatch
from stream_processor.demo.files import agent_rules, read_files
from stream_processor.demo.story import ADMIN, ATTACKER_IP, OPERATOR, Story, generate
from tests.support.aws import list_keys

HOUR_MS = 3_600_000


DEMO_REGION = "ca-central-1"  # none of tests/deployed/conftest.py REGIONS: the stacks may share this process


@pytest.fixture
def demo_region(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo's stack in a region of its own: moto's backends are shared by every server in
    this process and per region, so its log groups, daily metrics and topic stay out of the way of
    other tests (and are removed afterwards)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", DEMO_REGION)
    yield DEMO_REGION
    logs = boto3.client("logs", endpoint_url=moto_endpoint, region_name=DEMO_REGION)
    for group in (ADMIN, OPERATOR):
        with contextlib.suppress(logs.exceptions.ResourceNotFoundException):
            logs.delete_log_group(logGroupName=group)


def _run_demo(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    """Run the console script in-process; return its stdout and the bucket it created."""
    status = main(["demo", *args])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert err == ""
    assert not re.search(r"^Traceback \(most recent call last\):$|Warning:", out, re.MULTILINE)
    found = re.search(r"bucket\s+s3://(\S+)", out)
    assert found is not None, out
    return out, found.group(1)


def _report(s3: Any, bucket: str, day: str) -> dict[str, Any]:
    key = f"reports/{day.replace('-', '/')}/log_review.json.gz"
    report: dict[str, Any] = orjson.loads(
        gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    )
    return report


@pytest.mark.usefixtures("demo_region")
def test_demo_generated_day(moto_endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hours, events, seed = 6, 3000, 11
    out, bucket = _run_demo(
        capsys, "--hours", str(hours), "--events", str(events), "--seed", str(seed),
        "--output", str(tmp_path), "--endpoint", moto_endpoint,
    )  # fmt: skip
    report = orjson.loads((tmp_path / "log_review.json").read_bytes())
    day = report["date"]
    story = Story.plan(day, hours)
    sent = generate(story, events, seed)

    s3 = boto3.client("s3")
    prefix = f"reports/{day.replace('-', '/')}/"
    names = ("aggregate.json.gz", "log_review.gz", "log_review.html", "log_review.json.gz",
             "rows/log_review.jsonl.gz", "seen.json.gz")  # fmt: skip
    assert list_keys(s3, bucket, prefix) == [prefix + n for n in names]
    assert _report(s3, bucket, day)["totals"] == report["totals"]
    assert len(list_keys(s3, bucket, "archive/")) == len(list_keys(s3, bucket, f"aggregates/dt={day}/")) > 0

    by_group = sent.by_group()
    assert report["totals"]["events"] == sent.events
    assert {g: report["log_groups"][g]["events"] for g in (ADMIN, OPERATOR)} == dict(by_group)
    admin, operator = report["log_groups"][ADMIN], report["log_groups"][OPERATOR]
    assert admin["security_events"]["ssh_failed_login"] == sent.failed_logins == 56
    # the burst: 56 failures, the accepted login, sudo to root (usermod -aG wheel), AttachUserPolicy
    assert admin["security_events"]["sudo_to_root"] == admin["security_events"]["user_modified"] == 1
    assert admin["security_events"]["admin_group_added"] == admin["security_events"]["iam_change_logged"] == 1
    assert admin["security_events"]["ssh_password_login"] == 1  # the guess that worked (keys are routine)
    assert admin["security_events_total"] == 59  # distinct: the sudo line matches three rules
    assert operator["security_events_total"] == 0 and operator["security_events"] == {}
    assert story.silent_hour in operator["silent_hours"]
    assert operator["hourly"][story.silent_hour]["events"] == 0
    burst = operator["hourly"][story.error_hour]
    assert burst["errors"] > 0.1 * burst["events"]

    html = (tmp_path / "log_review.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 2
    text = (tmp_path / "log_review.txt").read_text(encoding="utf-8")
    assert day in text and text.strip() in out

    def alert(hour: int, group: str, what: str) -> str:
        return rf"ALERT  {hour:02d}:00  {re.escape(group)}\s+{what}"

    assert re.search(alert(story.failed_logins_hour, ADMIN, r"\d new critical/high detection"), out)
    # the brute force, the login, the sudo and the IAM change: one incident, one message, at the login
    subjects = re.findall(r"^Subject: (\[.*)$", out, re.MULTILINE)
    assert set(subjects) == {f"[HIGH] brute_force_login in {ADMIN}: {ATTACKER_IP} -> deploy"}
    assert f"56 failed login(s) from {ATTACKER_IP}, then a login as deploy" in out
    assert re.search(alert(story.error_hour, OPERATOR, "error rate"), out)
    assert re.search(alert(story.latency_hour, OPERATOR, "p99 latency"), out)
    assert re.search(rf"note   {story.silent_hour:02d}:00  /operator/logs\s+no events", out)
    assert len(re.findall(r"ALERT  \d\d:00", out)) == 3  # normal hours raise nothing
    assert f"Subject: logreview daily review {day}" in out
    assert f"{sent.events:,} events in " in out


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + "Z"


def _syslog(ms: int) -> str:
    t = time.gmtime(ms // 1000)
    return time.strftime("%b ", t) + f"{t.tm_mday:2d} " + time.strftime("%H:%M:%S", t)


@pytest.mark.usefixtures("demo_region")
def test_demo_own_logs(moto_endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day_ms = (int(time.time() * 1000) // 86_400_000 - 1) * 86_400_000
    app, auth = tmp_path / "app.log", tmp_path / "auth.log"
    app_lines = []
    for i in range(40):
        stamp = _iso(day_ms + 9 * HOUR_MS + i * 60_000)
        if i % 10 == 0:
            app_lines += [f"{stamp} ERROR [worker] job failed", "Traceback (most recent call last):",
                          '  File "job.py", line 3, in run', "ValueError: bad row"]  # fmt: skip
        else:
            app_lines.append(f"{stamp} INFO [worker] job done latency=12 ms")
    app.write_text("\n".join(app_lines) + "\n", encoding="utf-8")
    auth_lines = [
        f"{_syslog(day_ms + 10 * HOUR_MS + i * 5_000)} bastion sshd[{100 + i}]: "
        f"Failed password for invalid user admin from 198.51.100.7 port {40000 + i} ssh2"
        for i in range(12)
    ]
    auth.write_text("\n".join(auth_lines) + "\n", encoding="utf-8")

    out, bucket = _run_demo(
        capsys, "--logs", str(app), str(auth), "--output", str(tmp_path / "out"), "--endpoint", moto_endpoint
    )
    day = time.strftime("%Y-%m-%d", time.gmtime(day_ms // 1000))
    report = _report(boto3.client("s3"), bucket, day)
    admin = report["log_groups"][ADMIN]
    assert admin["events"] == 40 + 12  # each stack trace is one event with its ERROR line
    assert admin["errors"] == 4
    assert admin["security_events"] == {"ssh_failed_login": 12} and admin["security_events_total"] == 12
    assert admin["latency_ms"]["count"] == 36
    assert (tmp_path / "out" / "log_review.html").is_file()
    assert "your logs: 2 file(s)" in out


def test_agent_rules_come_from_the_repository_config(tmp_path: Path) -> None:
    rules = agent_rules()
    secure = agent.choose_rule(rules, ADMIN, "/var/log/secure", "")
    assert secure.timestamp_format == "%b %-d %H:%M:%S"
    assert secure.log_stream == "{instance_id}/secure"
    iso = agent.choose_rule(rules, ADMIN, "/home/me/app.log", "2024-05-01T10:00:00Z INFO up")
    assert iso.start.search("2024-05-01T10:00:00Z INFO up")
    assert not iso.start.search("  at com.example.Main(Main.java:3)")
    now = time.mktime((2024, 5, 2, 0, 0, 0, 0, 0, 0))
    assert agent.parse_timestamp("May  1 14:03:11 host sshd[1]: x", secure, now) == 1714572191000


def test_grouping_and_put_batches_follow_the_agent_and_the_service_limits() -> None:
    start = re.compile(agent.timestamp_regex("%Y-%m-%dT%H:%M:%S"))
    lines = ["2024-05-01T10:00:00 ERROR boom", "Traceback:", "  x", "2024-05-01T10:00:01 INFO ok"]
    assert list(agent.group_lines(lines, start)) == [
        "2024-05-01T10:00:00 ERROR boom\nTraceback:\n  x",
        lines[3],
    ]
    assert agent.truncate("é" * 200_000).endswith(agent.TRUNCATED)

    base = 1_714_521_600_000
    many = [{"timestamp": base + i, "message": "m"} for i in range(25_000)]
    calls = list(agent.put_batches(many, flush_ms=HOUR_MS))
    assert [len(c) for c in calls] == [10_000, 10_000, 5_000]
    big = [{"timestamp": base + i, "message": "x" * 200_000} for i in range(12)]
    assert all(
        sum(map(agent.event_size, c)) <= agent.MAX_BYTES_PER_CALL for c in agent.put_batches(big, HOUR_MS)
    )
    spread = [{"timestamp": base + i * 60_000, "message": "m"} for i in range(30)]
    windows = list(agent.put_batches(spread, flush_ms=600_000))
    assert [len(c) for c in windows] == [10, 10, 10]


def test_read_files_moves_an_old_file_into_the_accepted_window(tmp_path: Path) -> None:
    old = tmp_path / "old.log"
    old.write_text("2020-01-01T12:00:00Z INFO one\n2020-01-02T12:00:00Z INFO two\n", encoding="utf-8")
    now = time.time()
    feed = read_files([str(old)], ADMIN, agent_rules(), now)
    (events,) = feed.streams.values()
    assert [e["message"][21:] for e in events] == ["INFO one", "INFO two"]
    assert 0 <= now * 1000 - events[-1]["timestamp"] < 86_400_000
    assert events[-1]["timestamp"] - events[0]["timestamp"] == 86_400_000
    assert feed.shifted_days["old.log"] > 365


def _emf(group: str, events: int, errors: int, security: int, latency: list[float]) -> dict[str, Any]:
    doc = {"_aws": {}, "LogGroup": group, "EventCount": [events], "ErrorCount": [errors]}
    return {**doc, "SecurityEventCount": [security], "Latency": latency}


def _detections(group: str, severity: str, count: int) -> dict[str, Any]:
    return {"_aws": {}, "LogGroup": group, "Severity": severity, "Detections": [count]}


def test_alarms_from_emf_follow_the_thresholds() -> None:
    watch = AlertWatch((ADMIN, OPERATOR), error_rate=0.05, latency_ms=1000)
    h0, h1, h2 = 0, HOUR_MS, 2 * HOUR_MS
    watch.add(h0, [_emf(ADMIN, 100, 5, 0, [10.0] * 99), _emf(OPERATOR, 100, 0, 0, [])])
    assert watch.close(h0) == []  # 5 % is not above 5 %
    watch.add(h1, [_emf(ADMIN, 100, 6, 3, [10.0] * 98 + [2000.0, 2500.0]), _detections(ADMIN, "high", 1)])
    watch.add(h1, [_detections(ADMIN, "medium", 4)])  # below the alarm's severities
    rules = {(a.log_group, a.rule, a.value) for a in watch.close(h1)}
    assert {(g, r) for g, r, _ in rules} == {
        (ADMIN, "error_rate"), (ADMIN, "latency_p99"), (ADMIN, "detections"), (OPERATOR, "silent")
    }  # fmt: skip
    assert (ADMIN, "detections", 1.0) in rules
    watch.add(h2, [_emf(ADMIN, 10, 10, 0, []), _emf(OPERATOR, 5, 0, 0, [])])
    assert watch.close(h2) == []  # too few events for a rate


@pytest.mark.usefixtures("demo_region")
def test_demo_starts_its_own_endpoint_and_puts_the_environment_back(
    moto_endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    before = {
        name: os.environ.get(name) for name in ("AWS_ENDPOINT_URL", "REPORT_BUCKET", "CONFIG_PARAMETER")
    }
    out, _ = _run_demo(capsys, "--hours", "4", "--events", "400", "--output", str(tmp_path))
    assert "(moto, started in this process;" in out
    assert moto_endpoint not in out
    assert {name: os.environ.get(name) for name in before} == before
    picture = ["log_review.png"] if browser.available() else []  # the screenshot needs chromium
    files = [
        "daily-report.log",
        "log_review.html",
        "log_review.json",
        "log_review.txt",
        "stream-processor.log",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*files, *picture])
    if picture:
        assert (tmp_path / "log_review.png").read_bytes().startswith(b"\x89PNG")


def test_demo_refuses_bad_arguments_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--hours", "2"]) == 2
    assert main(["demo", "--logs", "/nonexistent/file.log"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "logreview demo: --hours must be between 4 and 24 (the story needs 4)",
        "logreview demo: cannot read /nonexistent/file.log: [Errno 2] No such file or directory: "
        "'/nonexistent/file.log'",
    ]
