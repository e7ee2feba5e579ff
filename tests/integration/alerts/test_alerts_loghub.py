"""A real internet-facing SSH day (LogHub's OpenSSH sample: 1,259 auth failures in 2,000 lines,
over about four hours) sends a handful of notifications: one per attacking address per window
over the threshold, none for the single failures. Skips when ../shared/corpus is absent."""

from __future__ import annotations

import re
from typing import Any

import pytest

from stream_processor.handler import lambda_handler
from tests.integration.alerts.test_alerts import BRUTE_FORCE_PAGES, configure
from tests.support.alerting import AlertPlumbing
from tests.support.builders import compress, envelope, log_event, subscription_event
from tests.unit.stream_processor.parse.test_corpus_logs import LOGHUB, _counted, _lines, _timestamp

pytestmark = pytest.mark.skipif(not LOGHUB.is_dir(), reason="../shared/corpus is absent")
LINES_PER_BATCH = 50  # about what the agent flushes every few seconds on this host
# the thresholded auth failure rules keyed by source address (group `auth_failure`)
AUTH_RULES = {
    "ssh_failed_login",
    "ssh_invalid_user",
    "ssh_too_many_failures",
    "pam_auth_failure",
    "login_auth_failure",
}
_ADDRESS = re.compile(r"\b(\d{1,3}(?:\.\d{1,3}){3})\b")


def attacks(lines: list[str], threshold: int = 20, interval_ms: int = 300_000) -> set[tuple[str, int]]:
    """(address, hour) pairs with >= threshold failures in one aligned 5-minute interval, counted
    here with plain string operations."""
    counts: dict[tuple[str, int], int] = {}
    for line in lines:
        found = _ADDRESS.search(line)
        if found and _counted(line) & AUTH_RULES:
            stamp = _timestamp(line)
            key = (found.group(1), stamp // interval_ms)
            counts[key] = counts.get(key, 0) + 1
    return {
        (address, interval * interval_ms // 3_600_000)
        for (address, interval), n in counts.items()
        if n >= threshold
    }


def deliver_sample(aws: dict[str, Any]) -> None:
    configure(aws, Alerts=BRUTE_FORCE_PAGES)  # each brute force pages (the default waits for a login)
    lines = _lines("OpenSSH_2k.log")
    for start in range(0, len(lines), LINES_PER_BATCH):
        events = [log_event(line, _timestamp(line)) for line in lines[start : start + LINES_PER_BATCH]]
        lambda_handler(subscription_event(compress(envelope(events, log_stream="LabSZ"))), None)


def test_an_internet_facing_ssh_day_sends_one_per_attacking_address_and_window(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    deliver_sample(aws)
    events = [e["detail"] for e in plumbing.events(wait=2) if e["detail"]["rule"] == "auth_failure"]
    found = sorted((e["key"].removeprefix("source:"), int(e["window"]["start"][11:13])) for e in events)
    expected = sorted((address, hour % 24) for address, hour in attacks(_lines("OpenSSH_2k.log")))
    assert found == expected  # 8 notifications: 6 addresses, two of them in two hours
    assert len(found) <= 10


def test_an_internet_facing_ssh_day_notifies_nothing_but_the_attacks(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    deliver_sample(aws)
    messages = plumbing.notifications(wait=2)
    assert {m["Subject"].split()[1] for m in messages} == {"auth_failure"}
    assert len(messages) == len(attacks(_lines("OpenSSH_2k.log"))) <= 10
