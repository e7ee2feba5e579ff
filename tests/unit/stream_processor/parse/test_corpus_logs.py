"""Real system logs (loghub OpenSSH and Linux samples) through the whole pipeline.

One log event per line, timestamped from the syslog prefix (the year is assumed: syslog has none),
1,000 lines per batch. Every rule's count, and the distinct security events, must equal counts
made here from the raw lines with plain string operations, not with the rules' patterns.
"""

from __future__ import annotations

import calendar
import gzip
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from stream_processor.pipeline import process_data
from tests.support.builders import corpus_file, envelope, log_event

LOGHUB = corpus_file("logs", "loghub")
pytestmark = pytest.mark.skipif(not LOGHUB.is_dir(), reason="../shared/corpus is absent")

# The counted lines: for each rule, phrases found with plain string operations (not the rules'
# patterns), from reading the samples. A line may count for several rules; the distinct count is
# the lines that count for at least one.
PHRASES: dict[str, tuple[str, ...]] = {
    "ssh_failed_login": ("Failed password for ", "Failed none for ", "Failed publickey for "),
    "ssh_invalid_user": (": Invalid user ", "input_userauth_request: invalid user "),
    "ssh_too_many_failures": ("Disconnecting: Too many authentication failures",),
    "pam_auth_failure": (
        "(pam_unix)[",
        "pam_unix(sshd:auth): authentication failure",
        "more authentication failure",
    ),
    "login_auth_failure": (
        "Kerberos authentication failed",
        "]: Authentication failed from ",
        "Couldn't authenticate user",
    ),
    "ssh_password_login": ("Accepted password for ",),
    "console_root_login": ("ROOT LOGIN ON ", "login(pam_unix)"),
}
# `(pam_unix)[` and `login(pam_unix)` lines count only with these words in them
REQUIRED = {"pam_auth_failure": "authentication failure", "console_root_login": "root"}
EXCLUDED = {"console_root_login": "session closed"}


def _counted(line: str) -> set[str]:
    rules = set()
    for rule, phrases in PHRASES.items():
        wanted = any(p in line for p in phrases) and REQUIRED.get(rule, "") in line
        if wanted and (rule not in EXCLUDED or EXCLUDED[rule] not in line):
            rules.add(rule)
    return rules


def _lines(name: str) -> list[str]:
    return LOGHUB.joinpath(name).read_text(encoding="utf-8", errors="replace").splitlines()


def _timestamp(line: str, year: int = 2024) -> int:
    """Milliseconds UTC of a syslog `Mmm dd HH:MM:SS` prefix."""
    parsed = time.strptime(f"{year} {' '.join(line.split()[:3])}", "%Y %b %d %H:%M:%S")
    return calendar.timegm(parsed) * 1000


def _run(name: str) -> tuple[list[str], list[dict[str, Any]]]:
    lines = _lines(name)
    partials: list[dict[str, Any]] = []
    for start in range(0, len(lines), 1000):
        events = [log_event(line, _timestamp(line)) for line in lines[start : start + 1000]]
        doc = envelope(events, log_group="/operator/logs", log_stream=Path(name).stem)
        partials.extend(process_data(gzip.compress(orjson.dumps(doc))))
    return lines, partials


def _windows(partials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [window for partial in partials for window in partial["windows"]["/operator/logs"].values()]


@pytest.mark.parametrize(("name", "distinct_at_least"), [("OpenSSH_2k.log", 1000), ("Linux_2k.log", 400)])
def test_rule_counts_and_distinct_total_equal_independent_counts(name: str, distinct_at_least: int) -> None:
    lines, partials = _run(name)
    windows = _windows(partials)
    counted = [_counted(line) for line in lines]
    expected = Counter(rule for rules in counted for rule in rules)
    found = Counter({rule: 0 for rule in expected})
    for window in windows:
        found.update({rule: entry["count"] for rule, entry in window["security"].items()})
    assert dict(found) == dict(expected)
    distinct = sum(1 for rules in counted if rules)
    assert distinct >= distinct_at_least  # the samples really are full of failed logins
    assert sum(w["security_events"] for w in windows) == distinct
    assert sum(w["events"] for w in windows) == len(lines) == 2000


def test_the_openssh_day_is_not_two_thousand_security_events_and_root_did_nothing() -> None:
    lines, partials = _run("OpenSSH_2k.log")
    windows = _windows(partials)
    distinct = sum(w["security_events"] for w in windows)
    assert distinct < 1500  # disconnects, reverse-mapping notices and the like are not security events
    root = {"ssh_root_login", "console_root_login", "su_to_root", "sudo_to_root", "cis_root_account_usage"}
    assert not root & {rule for w in windows for rule in w["security"]}  # attempts against root are failures
    assert sum(1 for line in lines if "Failed password for root" in line) > 300


def test_security_samples_are_bounded_and_earliest() -> None:
    _, partials = _run("OpenSSH_2k.log")
    for window in _windows(partials):
        for entry in window["security"].values():
            samples = entry["samples"]
            assert 1 <= len(samples) <= 5 and samples == sorted(samples)
