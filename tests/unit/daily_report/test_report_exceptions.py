"""The report's `exceptions`: counted from the merged aggregate's evidence and the configuration at
each event's own time, the same whatever order the windows come in (pure)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from daily_report.review.exceptions import exceptions_section, suppressed_counts
from stream_processor import aggregate
from stream_processor.alerting.settings import notified_ids
from stream_processor.config import DEFAULT_DOCUMENT, Config, parse_config
from stream_processor.detect import DEFAULT_DETECTOR

DAY = date(2026, 12, 5)
NOON = int(datetime(2026, 12, 5, 12, tzinfo=UTC).timestamp() * 1000)
IDS = notified_ids(DEFAULT_DETECTOR)


def config(*entries: dict[str, Any]) -> Config:
    return parse_config({**DEFAULT_DOCUMENT, "Alerts": {"Exceptions": list(entries)}})


def exception(**fields: Any) -> dict[str, Any]:
    return {"Reason": "r", "Ticket": "T-1", "Owner": "o", "Expires": "2026-12-31", **fields}


def item(t: int, rules: list[str], **fields: Any) -> dict[str, Any]:
    return {"t": t, "id": str(t), "stream": "i-0a4f/secure", "rules": rules, "line": "x", **fields}


def windows(*entries: tuple[str, str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """(hour, kind, {key: entry}) → one log group's windows with that evidence."""
    found: dict[str, Any] = {}
    for hour, kind, keys in entries:
        found.setdefault(hour, {"evidence": {}})["evidence"][kind] = {"keys": keys, "level": 0, "folded": 0}
    return {"/admin/logs": found}


BRUTE = {"n": 56, "items": [item(NOON + i, ["ssh_failed_login"], src="203.0.113.45") for i in range(3)]}
SUDO = {
    "n": 2,
    "items": [
        item(NOON, ["sudo_to_root", "user_modified"], who="deploy", host="bastion-a"),
        item(NOON + 3_600_000, ["sudo_to_root"], who="deploy", host="build-1"),
    ],
}
DAY_WINDOWS = windows(("03", "failed_login", {"203.0.113.45": BRUTE}), ("12", "privilege", {"deploy": SUDO}))


def test_a_key_whose_kept_items_all_match_counts_all_its_events() -> None:
    cfg = config(exception(Rule="auth_failure", Cidr="203.0.113.0/24"))
    (row,) = exceptions_section(DAY, DAY_WINDOWS, cfg)
    assert row == {
        "rule": "auth_failure", "match": "cidr=203.0.113.0/24", "reason": "r", "ticket": "T-1", "owner": "o",
        "expires": "2027-01-01T00:00:00Z", "status": "active", "count": 56,
    }  # fmt: skip


def test_items_are_matched_one_by_one_when_they_differ() -> None:
    cfg = config(exception(Rule="sudo_to_root", Principal="deploy", Host="bastion-*"))
    (row,) = exceptions_section(DAY, DAY_WINDOWS, cfg)
    assert row["count"] == 1  # build-1 is not covered


def test_an_exception_covers_events_before_its_expiry_only_and_is_reported_expired() -> None:
    cfg = config(exception(Rule="sudo_to_root", Principal="deploy", Expires="2026-12-05T12:30:00Z"))
    (row,) = exceptions_section(DAY, DAY_WINDOWS, cfg)
    assert (row["status"], row["count"], row["expires"]) == ("expired", 1, "2026-12-05T12:30:00Z")
    (later,) = exceptions_section(date(2026, 12, 4), DAY_WINDOWS, cfg)
    assert later["status"] == "active"  # a report of the day before: still in force


def test_the_first_matching_exception_takes_the_event_and_unmatched_ones_count_nothing() -> None:
    cfg = config(
        exception(Rule="sudo_to_root", Principal="deploy", Ticket="A"),
        exception(Rule="sudo_to_root", Principal="deploy", Ticket="B"),
        exception(Rule="auth_failure", Cidr="198.51.100.0/24", Ticket="C"),
    )
    assert [row["count"] for row in exceptions_section(DAY, DAY_WINDOWS, cfg)] == [2, 0, 0]


def test_windows_without_evidence_count_nothing() -> None:
    cfg = config(exception(Rule="auth_failure", Cidr="203.0.113.0/24"))
    (row,) = exceptions_section(DAY, {"/admin/logs": {"03": {"events": 5}}}, cfg)
    assert row["count"] == 0
    assert exceptions_section(DAY, DAY_WINDOWS, Config()) == []


@given(st.randoms(use_true_random=False))
def test_counts_do_not_depend_on_the_order_of_groups_hours_and_keys(rng: random.Random) -> None:
    cfg = config(
        exception(Rule="auth_failure", Cidr="203.0.113.0/24"),
        exception(Rule="sudo_to_root", Principal="deploy", Host="bastion-*"),
    )
    exceptions = cfg.rules.alerting.exceptions
    hours = [("03", "failed_login", {"203.0.113.45": BRUTE}), ("12", "privilege", {"deploy": SUDO})]
    extra = {"198.51.100.9": {"n": 4, "items": [item(NOON, ["ssh_failed_login"], src="198.51.100.9")]}}
    hours.append(("13", "failed_login", extra))
    rng.shuffle(hours)
    assert suppressed_counts(windows(*hours), exceptions, IDS) == [56, 1]


def test_counts_from_real_partials_are_the_same_for_every_merge_order_and_tree() -> None:
    """Batches through the real pipeline (evidence classified and bounded there), merged as the
    report merges them, in shuffled orders and two-level trees: the same rows every time."""
    from stream_processor.pipeline import process_data
    from tests.support.builders import ADMIN, compress, envelope, log_event

    start = NOON - 9 * 3_600_000  # 03:00
    failed = "Dec  5 03:{:02d}:{:02d} bastion-a sshd[{}]: Failed password for invalid user u{} "
    failed += "from 203.0.113.{} port 1"
    events = [
        log_event(failed.format(i // 60, i % 60, i, i, 40 + i % 3), start + i * 1000) for i in range(90)
    ]
    sudo = "Dec  5 03:30:00 {} sudo:   deploy : TTY=pts/1 ; USER=root ; COMMAND=/usr/bin/id"
    events += [
        log_event(sudo.format(host), start + 1_800_000 + n) for n, host in enumerate(("bastion-a", "build-1"))
    ]
    partials = [
        p for k in range(0, len(events), 7) for p in process_data(compress(envelope(events[k : k + 7])))
    ]
    cfg = config(
        exception(Rule="auth_failure", Cidr="203.0.113.40/31"),
        exception(Rule="sudo_to_root", Principal="deploy", Host="bastion-*"),
    )
    rng = random.Random(5)
    found: list[list[dict[str, Any]]] = []
    for _ in range(6):
        rng.shuffle(partials)
        halves = aggregate.empty(), aggregate.empty()
        for i, partial in enumerate(partials):
            aggregate.merge_into(halves[i % 2], partial)
        merged = aggregate.merge(halves[1], halves[0])
        found.append(exceptions_section(DAY, merged["windows"], cfg))
    assert all(rows == found[0] for rows in found)
    assert [row["count"] for row in found[0]] == [60, 1]  # .40 and .41 (30 each); one sudo on bastion-a
    assert ADMIN in merged["windows"]


def test_an_exception_for_the_incident_counts_the_incidents_it_covered_at_their_login() -> None:
    from daily_report.report import build_report
    from tests.unit.daily_report.test_review_sections import DAY as STORY_DAY
    from tests.unit.daily_report.test_review_sections import merged_day

    merged = merged_day()  # 56 failures from 203.0.113.45 from 03:17:00, its login at 03:19:35
    cfg = config(
        exception(Rule="brute_force_login", Cidr="203.0.113.0/24", Expires="2026-12-05T03:19:00Z"),
        exception(Rule="brute_force_login", Principal="deploy", Host="bastion-?"),
    )
    incidents = build_report(STORY_DAY, merged, 1, cfg)["incidents"]
    assert [i["kind"] for i in incidents] == ["brute_force_login"]
    rows = exceptions_section(STORY_DAY, merged["windows"], cfg, incidents)
    assert [(row["status"], row["count"]) for row in rows] == [("expired", 0), ("active", 1)]
    by_source = config(exception(Rule="brute_force_login", Cidr="203.0.113.0/24"))
    assert exceptions_section(STORY_DAY, merged["windows"], by_source, incidents)[0]["count"] == 1
