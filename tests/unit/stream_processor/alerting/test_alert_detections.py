"""Detections from a batch (pure): they count exactly what the partial's window counts per rule,
key by source or principal, keep texts redacted, and bound the number of tracked keys."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.alerting.detections import find_detections
from stream_processor.alerting.policy import AlertSettings, rule_policy
from stream_processor.decode import Batch, batch_id
from stream_processor.pipeline import DEFAULT_RULES, Rules, analyse_batch

HOUR = 1_764_000_000_000 // 3_600_000 * 3_600_000
MESSAGES = (
    "Dec 10 06:55:46 host sshd[1]: Failed password for invalid user admin from 203.0.113.{n} port 2 ssh2",
    "Dec 10 06:55:46 host sshd[1]: Accepted publickey for root from 198.51.100.{n} port 22 ssh2",
    "Dec 10 06:55:46 host sudo: alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/sbin/usermod -aG wheel bob",
    '{"level": "info", "user": "svc-{n}", "action": "GetObject", "status": 403}',
    '{"level": "info", "user": "root", "action": "DeleteBucket", "status": 200}',
    "GET /index.html 200 12 ms",
    'level=info msg="DROP TABLE users" user=dba{n}',
)


def make_batch(picks: list[tuple[int, int, int]]) -> Batch:
    events = [
        {"id": str(i), "timestamp": HOUR + minute * 60_000, "message": MESSAGES[kind].replace("{n}", str(n))}
        for i, (kind, n, minute) in enumerate(picks)
    ]
    found_id = batch_id("123456789012", "/admin/logs", "i-1", events)
    return Batch("DATA_MESSAGE", "123456789012", "/admin/logs", "i-1", ("f",), events, found_id)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(MESSAGES) - 1), st.integers(1, 3), st.integers(0, 119)),
        min_size=1,
        max_size=40,
    )
)
def test_detections_count_each_hit_event_once_per_group(picks: list[tuple[int, int, int]]) -> None:
    """Per notification group, the detections count exactly the distinct events whose rule hits
    fall in that group (the partial's per-rule counts, for a rule that is its own group)."""
    batch = make_batch(picks)
    analysis = analyse_batch(batch, DEFAULT_RULES)
    found, dropped = find_detections(batch, analysis, DEFAULT_RULES, "archive/k.gz")
    assert dropped == 0
    per_group: dict[str, int] = {}
    for detection in found:
        per_group[detection.rule] = per_group.get(detection.rule, 0) + detection.count
        assert sum(detection.buckets.values()) in (0, detection.count)
        assert (
            detection.window_start
            <= detection.first_ts
            <= detection.last_ts
            < detection.window_start + 3_600_000
        )
    expected: dict[str, int] = {}
    for rules in analysis.hits.values():
        for group in {rule_policy(rule).rule for rule in rules}:
            expected[group] = expected.get(group, 0) + 1
    assert per_group == expected
    window_counts: dict[str, int] = {}
    for partial in analysis.partials:
        for hours in partial["windows"].values():
            for window in hours.values():
                for rule, entry in window["security"].items():
                    window_counts[rule] = window_counts.get(rule, 0) + entry["count"]
    for group, count in per_group.items():
        if group in window_counts and rule_policy(group).rule == group:
            assert count == window_counts[group]
    keys = [(d.rule, d.key, d.window_start) for d in found]
    assert len(keys) == len(set(keys))


def test_thresholded_rules_key_by_source_others_by_principal() -> None:
    batch = make_batch([(0, 1, 0), (0, 1, 1), (0, 2, 2), (4, 1, 3)])
    analysis = analyse_batch(batch)
    found, _ = find_detections(batch, analysis, DEFAULT_RULES, "a")
    keys = {(d.rule, d.key): d.count for d in found}
    assert keys[("auth_failure", "source:203.0.113.1")] == 2
    assert keys[("auth_failure", "source:203.0.113.2")] == 1
    assert keys[("destructive_action", "principal:root")] == 1
    brute = next(d for d in found if d.key == "source:203.0.113.1")
    assert brute.buckets == {str(HOUR): 2} and brute.source == "203.0.113.1"


def test_texts_are_redacted_before_they_are_kept() -> None:
    secret = "Hunter2Secret!x"
    message = (
        f"Dec 10 06:55:46 host sshd[1]: Failed password for invalid user password={secret} "
        "from 203.0.113.5 port 22 ssh2"
    )
    events = [{"id": "1", "timestamp": HOUR, "message": message}]
    batch = Batch("DATA_MESSAGE", "1", "/admin/logs", "s", ("f",), events, "b" * 32)
    analysis = analyse_batch(batch)
    (found,), _ = find_detections(batch, analysis, DEFAULT_RULES, "a")
    assert secret not in found.sample and secret not in (found.principal or "") and secret not in found.key


def test_the_number_of_tracked_keys_is_bounded_largest_first() -> None:
    picks = [(0, n, 0) for n in range(1, 11)] + [(0, 1, 1)] * 5
    batch = make_batch(picks)
    analysis = analyse_batch(batch)
    found, dropped = find_detections(batch, analysis, Rules(alerting=AlertSettings(max_keys=3)), "a")
    assert dropped == 7 and len(found) == 3
    assert max(found, key=lambda d: d.count).key == "source:203.0.113.1"


def test_policy_overrides_from_the_configuration() -> None:
    tuned = AlertSettings(severities={"iam_change_logged": "high"}, thresholds={"auth_failure": 5})
    assert rule_policy("iam_change_logged").severity == "medium"
    assert rule_policy("iam_change_logged", tuned).severity == "high"
    assert rule_policy("ssh_failed_login").severity == "high"  # over the threshold: the group pages
    threshold = rule_policy("ssh_failed_login", tuned).threshold
    assert threshold is not None and threshold.count == 5
    assert rule_policy("my_rule").severity == "medium" and rule_policy("my_rule").threshold is None


def test_a_detection_names_the_group_as_the_windows_do_another_account_qualified() -> None:
    batch = make_batch([(2, 1, 0)])  # owner 123456789012
    for home, where in (("123456789012", "/admin/logs"), ("999999999999", "123456789012:/admin/logs")):
        rules = Rules(account=home)
        analysis = analyse_batch(batch, rules)
        found, _ = find_detections(batch, analysis, rules, "archive/k.gz")
        assert found and {d.log_group for d in found} == {where} == set(analysis.partials[0]["windows"])
        assert {d.owner for d in found} == {"123456789012"}
