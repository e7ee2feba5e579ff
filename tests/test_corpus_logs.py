"""Real system logs (loghub OpenSSH and Linux samples) through the whole pipeline.

One log event per line, timestamped from the syslog prefix (the year is assumed: syslog has none),
1,000 lines per batch. The `auth_failure` count the pipeline writes must equal a count made here
from the raw lines with plain string operations, not with the rule's regex.
"""

from __future__ import annotations

import calendar
import gzip
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from stream_processor.classify import DEFAULT_SECURITY_RULES
from stream_processor.pipeline import process_data
from tests.builders import corpus_file, envelope, log_event

LOGHUB = corpus_file("logs", "loghub")
pytestmark = pytest.mark.skipif(not LOGHUB.is_dir(), reason="../shared/corpus is absent")

# The counted pattern: a line is an authentication failure when, lower-cased, it contains one of
# these phrases (sshd "Failed password/none/publickey for …", "Invalid user …", "input_userauth_request:
# invalid user …", PAM "authentication failure(s)", klogind/Kerberos "authentication failed",
# "Disconnecting: Too many authentication failures", JSch "Auth fail").
AUTH_FAILURE_PHRASES = (
    "failed password",
    "failed none",
    "failed publickey",
    "failed keyboard-interactive",
    "authentication failure",
    "authentication failed",
    "auth fail",
    "invalid user",
)


def _is_auth_failure(line: str) -> bool:
    lowered = line.lower()
    return any(phrase in lowered for phrase in AUTH_FAILURE_PHRASES)


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


def _security(partials: list[dict[str, Any]], rule: str) -> int:
    return sum(
        window["security"].get(rule, {"count": 0})["count"]
        for partial in partials
        for window in partial["windows"]["/operator/logs"].values()
    )


@pytest.mark.parametrize(("name", "at_least"), [("OpenSSH_2k.log", 1000), ("Linux_2k.log", 400)])
def test_auth_failure_count_equals_independent_count(name: str, at_least: int) -> None:
    lines, partials = _run(name)
    expected = sum(1 for line in lines if _is_auth_failure(line))
    assert expected >= at_least  # the sample really is full of failed logins
    events = sum(w["events"] for p in partials for w in p["windows"]["/operator/logs"].values())
    assert events == len(lines) == 2000
    assert _security(partials, "auth_failure") == expected


@pytest.mark.parametrize("name", ["OpenSSH_2k.log", "Linux_2k.log"])
def test_rule_regex_matches_exactly_the_counted_lines(name: str) -> None:
    lines = _lines(name)
    by_rule = {i for i, line in enumerate(lines) if "auth_failure" in DEFAULT_SECURITY_RULES.match(line)}
    by_phrase = {i for i, line in enumerate(lines) if _is_auth_failure(line)}
    assert by_rule == by_phrase


def test_batch_scan_agrees_with_per_line_match() -> None:
    lines = _lines("OpenSSH_2k.log") + _lines("Linux_2k.log")
    hits = DEFAULT_SECURITY_RULES.scan(lines)
    for index, line in enumerate(lines):
        assert hits.get(index, []) == DEFAULT_SECURITY_RULES.match(line), line


def test_security_samples_are_bounded_and_earliest() -> None:
    _, partials = _run("OpenSSH_2k.log")
    for partial in partials:
        for window in partial["windows"]["/operator/logs"].values():
            for entry in window["security"].values():
                samples = entry["samples"]
                assert 1 <= len(samples) <= 5 and samples == sorted(samples)
