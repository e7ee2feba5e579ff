"""The dedup state's laws (pure): one notification per (rule, key, window) whatever the order,
the redeliveries and the batch sizes; redeliveries change nothing; thresholds add up across
batches; a dead owner's mark is taken over after the lease, a live one's never."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.alerting.detections import Detection
from stream_processor.alerting.policy import RulePolicy, Threshold
from stream_processor.alerting.state import LEASE_MS, admit, confirm, release, repeats

WINDOW = 1_764_000_000_000 // 3_600_000 * 3_600_000
BRUTE = RulePolicy("auth_failure", "high", "brute force", threshold=Threshold(20, 300, "source"))
TRAIL = RulePolicy("cloudtrail_stopped", "critical", "trail stopped")


def detection(policy: RulePolicy, batch: int, count: int, bucket: int = 0) -> Detection:
    first = WINDOW + bucket * 300_000
    buckets = {str(first): count} if policy.threshold else {}
    return Detection(
        policy, "source:203.0.113.7", WINDOW, 3600, "/admin/logs", "s", "123456789012", None, None,
        "203.0.113.7", count, first, first + count, "sample", f"batch-{batch:04d}", "archive/x.gz",
        str(batch), buckets,
    )  # fmt: skip


def fold(sequence: list[Detection], confirm_each: bool = True) -> tuple[dict | None, list[str]]:
    state: dict | None = None
    outcomes = []
    for i, found in enumerate(sequence):
        token = f"call-{i}"
        admission = admit(state, found, WINDOW, token)
        outcomes.append(admission.outcome)
        if admission.state is not None:
            state = admission.state
        if admission.notify and confirm_each:
            assert state is not None
            state = confirm(state, token, "m") or state
    return state, outcomes


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 15), st.integers(0, 2)), min_size=1, max_size=30),
    st.integers(0, 3),
    st.randoms(use_true_random=False),
)
def test_one_notification_per_window_whatever_the_deliveries(
    batches: list[tuple[int, int]], copies: int, rng: random.Random
) -> None:
    distinct = [detection(BRUTE, i, count, bucket) for i, (count, bucket) in enumerate(batches)]
    deliveries = distinct + [rng.choice(distinct) for _ in range(copies * len(distinct) // 3)]
    rng.shuffle(deliveries)
    state, outcomes = fold(deliveries)
    per_bucket: dict[int, int] = {}
    for count, bucket in batches:
        per_bucket[bucket] = per_bucket.get(bucket, 0) + count
    over = max(per_bucket.values()) >= 20
    assert outcomes.count("notify") == (1 if over else 0)
    assert state is not None and state["count"] == sum(count for count, _ in batches)
    assert sorted(state["batches"]) == sorted(d.batch_id for d in distinct)
    if over:
        assert state["notified"]["state"] == "sent"
        assert repeats(state) == state["count"] - state["notified"]["count"]


def test_an_unthresholded_rule_notifies_on_its_first_event_and_counts_the_rest() -> None:
    state, outcomes = fold([detection(TRAIL, 1, 1), detection(TRAIL, 1, 1), detection(TRAIL, 2, 3)])
    assert outcomes == ["notify", "redelivery", "repeat"]
    assert state is not None and repeats(state) == 3


def test_a_live_owners_mark_is_left_alone_and_a_dead_ones_is_taken_over() -> None:
    first = admit(None, detection(TRAIL, 1, 1), WINDOW, "a")
    assert first.notify and first.state is not None
    again = admit(first.state, detection(TRAIL, 1, 1), WINDOW + 1000, "b")
    assert again.outcome == "in_progress" and again.state is None
    later = admit(first.state, detection(TRAIL, 1, 1), WINDOW + LEASE_MS + 1, "b")
    assert later.notify and later.state is not None and later.state["notified"]["token"] == "b"


def test_a_mark_is_held_until_its_writers_deadline_not_the_default_lease() -> None:
    until = WINDOW + 330_000  # a 300 s Kinesis-mode invocation plus the margin
    first = admit(None, detection(TRAIL, 1, 1), WINDOW, "a", until)
    assert first.state is not None and first.state["notified"]["until"] == until
    alive = admit(first.state, detection(TRAIL, 1, 1), WINDOW + LEASE_MS + 1, "b")
    assert alive.outcome == "in_progress" and alive.state is None
    dead = admit(first.state, detection(TRAIL, 1, 1), until + 1, "b")
    assert dead.notify and dead.state is not None and dead.state["notified"]["token"] == "b"


def test_a_mark_without_until_from_an_older_writer_keeps_the_default_lease() -> None:
    first = admit(None, detection(TRAIL, 1, 1), WINDOW, "a")
    assert first.state is not None
    older = {**first.state, "notified": {k: v for k, v in first.state["notified"].items() if k != "until"}}
    assert admit(older, detection(TRAIL, 1, 1), WINDOW + LEASE_MS, "b").outcome == "in_progress"
    assert admit(older, detection(TRAIL, 1, 1), WINDOW + LEASE_MS + 1, "b").notify


def test_our_own_write_whose_answer_was_lost_is_still_ours() -> None:
    first = admit(None, detection(TRAIL, 1, 1), WINDOW, "a")
    assert first.state is not None
    retried = admit(first.state, detection(TRAIL, 1, 1), WINDOW + 10, "a")
    assert retried.notify and retried.state is None  # nothing to write, still ours to publish


def test_release_lets_the_retry_publish_and_confirm_needs_the_token() -> None:
    first = admit(None, detection(TRAIL, 1, 1), WINDOW, "a")
    assert first.state is not None
    assert confirm(first.state, "someone-else", "m") is None
    released = release(first.state, "a")
    assert released is not None and released["notified"] is None
    retry = admit(released, detection(TRAIL, 1, 1), WINDOW + 60_000, "b")
    assert retry.notify
