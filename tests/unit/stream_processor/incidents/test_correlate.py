"""Incidents from a day's evidence: the correlations, their negatives, and exactness (the same
incidents whatever the order, grouping or repetition of the partials)."""

from __future__ import annotations

import functools
import random

import orjson
import pytest

from daily_report.review.incidents import section
from daily_report.source.merge import Deduper
from stream_processor import aggregate
from stream_processor.config import Config
from stream_processor.decode import Batch, batch_id
from stream_processor.incidents.correlate import Settings, incidents
from stream_processor.pipeline import aggregate_batch
from tests.support.demo_batches import demo_batches

DAY_MS = 1_764_115_200_000  # 2025-11-26T00:00:00Z
MIN_MS = 60_000
ATTACKER, OFFICE = "203.0.113.9", "10.20.1.5"


def _syslog(ms: int) -> str:
    import time

    t = time.gmtime(ms // 1000)
    return time.strftime("%b ", t) + f"{t.tm_mday:2d} " + time.strftime("%H:%M:%S", t)


def _failures(start: int, source: str = ATTACKER, n: int = 30) -> list[tuple[int, str]]:
    return [
        (start + i * 2000, f"{_syslog(start + i * 2000)} web-1 sshd[{i}]: Failed password for invalid user u{i} "  # noqa: E501
                           f"from {source} port {i} ssh2")
        for i in range(n)
    ]  # fmt: skip


def _login(at: int, who: str = "deploy", source: str = ATTACKER) -> tuple[int, str]:
    return at, f"{_syslog(at)} web-1 sshd[7]: Accepted password for {who} from {source} port 9 ssh2"


def _sudo(
    at: int, who: str = "deploy", command: str = "/usr/sbin/usermod -aG wheel deploy"
) -> tuple[int, str]:
    return (
        at,
        f"{_syslog(at)} web-1 sudo:   {who} : TTY=pts/1 ; PWD=/home/{who} ; USER=root ; COMMAND={command}",
    )


def _windows(events: list[tuple[int, str]], per_batch: int = 5) -> dict[str, dict[str, aggregate.Window]]:
    merged = aggregate.empty()
    events = sorted(events)
    for start in range(0, len(events), per_batch):
        chunk = [{"id": f"{at:015d}{start + i:04d}", "timestamp": at, "message": m}
                 for i, (at, m) in enumerate(events[start : start + per_batch])]  # fmt: skip
        batch = Batch(
            "DATA_MESSAGE", "1", "/admin/logs", "i-1/secure", (), chunk, batch_id("1", "g", "s", chunk)
        )
        for partial in aggregate_batch(batch):
            aggregate.merge_into(merged, partial)
    return merged["windows"]


T0 = DAY_MS + 3 * 3_600_000


def test_brute_force_then_login_then_sudo_is_one_incident() -> None:
    found = incidents(_windows([*_failures(T0), _login(T0 + 5 * MIN_MS), _sudo(T0 + 7 * MIN_MS)]))
    (incident,) = found
    assert incident["kind"] == "brute_force_login" and incident["severity"] == "high"
    assert (incident["sources"], incident["principals"]) == ([ATTACKER], ["deploy"])
    assert incident["failed_logins"] == 30 and incident["events"] == 32
    assert incident["timeline"][-1]["line"].endswith("COMMAND=/usr/sbin/usermod -aG wheel deploy")
    assert "30 failed logins from 203.0.113.9, then a login as deploy" in incident["title"]


def test_a_login_from_another_source_is_no_brute_force() -> None:
    found = incidents(
        _windows([*_failures(T0), _login(T0 + 5 * MIN_MS, source=OFFICE), _sudo(T0 + 7 * MIN_MS)])
    )
    assert [i["kind"] for i in found] == ["login_then_privilege"]  # the login and its sudo, not the failures
    assert found[0]["sources"] == [OFFICE] and found[0]["failed_logins"] == 0


def test_failures_below_the_threshold_are_no_brute_force() -> None:
    found = incidents(_windows([*_failures(T0, n=19), _login(T0 + 5 * MIN_MS)]))
    assert found == []


def test_a_change_outside_the_window_or_by_another_principal_is_not_linked() -> None:
    events = [
        *_failures(T0),
        _login(T0 + 5 * MIN_MS),
        _sudo(T0 + 66 * MIN_MS),
        _sudo(T0 + 8 * MIN_MS, who="alice"),
    ]
    (incident,) = incidents(_windows(events))
    assert incident["kind"] == "brute_force_login" and incident["events"] == 31  # failures and the login
    assert incident["principals"] == ["deploy"]
    wider = incidents(_windows(events), Settings(window_s=2 * 3600))
    assert wider[0]["events"] == 32  # the sudo 61 minutes after the login, within a 2-hour window


def test_root_use_and_logging_turned_off_are_incidents_of_their_own() -> None:
    found = incidents(_windows([
        (T0, f"{_syslog(T0)} web-1 sshd[3]: Accepted publickey for root from {OFFICE} port 2 ssh2: RSA"),
        (T0 + MIN_MS, f"{_syslog(T0 + MIN_MS)} web-1 systemd[1]: Stopped Security Auditing Service."),
    ]))  # fmt: skip
    assert [(i["kind"], i["severity"]) for i in found] == [
        ("logging_disabled", "critical"),
        ("root_use", "high"),
    ]


def _demo_partials() -> list[aggregate.Partial]:
    return [p for batch in demo_batches() for p in aggregate_batch(batch)]


def _report_part(partials: list[aggregate.Partial]) -> bytes:
    merged = functools.reduce(aggregate.merge_into, partials, aggregate.empty())
    return orjson.dumps(section(merged["windows"], Config()), option=orjson.OPT_SORT_KEYS)


def test_the_demo_day_is_one_incident_from_203_0_113_45_to_deploy() -> None:
    found = orjson.loads(_report_part(_demo_partials()))
    (incident,) = found["incidents"]
    assert incident["kind"] == "brute_force_login" and incident["sources"] == ["203.0.113.45"]
    assert (
        incident["principals"] == ["deploy"] and incident["failed_logins"] == 56 and incident["events"] == 59
    )
    lines = [entry["line"] for entry in incident["timeline"]]
    assert any(line.endswith("COMMAND=/usr/sbin/usermod -aG wheel deploy") for line in lines)
    assert any("action=AttachUserPolicy" in line for line in lines)
    assert [(a["kind"], a["who"]) for a in found["admin_actions"]] == [("sudo", "deploy"), ("iam", "deploy")]
    assert found["admin_actions"][0]["detail"].endswith("COMMAND=/usr/sbin/usermod -aG wheel deploy")
    assert found["admin_actions_total"] == 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incidents_are_the_same_in_any_merge_order_tree_or_repetition(seed: int) -> None:
    partials = _demo_partials()
    expected = _report_part(partials)
    rng = random.Random(seed)
    shuffled = list(partials)
    rng.shuffle(shuffled)
    assert _report_part(shuffled) == expected
    by_hour: dict[str, list[aggregate.Partial]] = {}
    for partial in shuffled:  # the rollup path: each hour merged first, then the hours
        by_hour.setdefault(next(iter(next(iter(partial["windows"].values())))), []).append(partial)
    rollups = [functools.reduce(aggregate.merge, hour) for hour in by_hour.values()]
    rng.shuffle(rollups)
    assert _report_part(rollups) == expected
    redelivered = shuffled + rng.sample(shuffled, 40)  # batches delivered twice, counted once
    deduper = Deduper(fetch=lambda key: b"")
    assert _report_part([p for p in redelivered if deduper.take(p) is not None]) == expected
    assert deduper.duplicates == 40
