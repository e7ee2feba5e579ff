"""The window document's laws (pure): one notification per (rule, key, window) whatever the order,
the redeliveries and the grouping of batches into invocations; redeliveries change nothing;
thresholds add up across batches; a dead owner's mark is taken over after its `until`, a live
one's never; thousands of keys cost one document, not one object each."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.alerting.detections import Detection
from stream_processor.alerting.policy import RulePolicy, Threshold
from stream_processor.alerting.state import LEASE_MS, entry_id, fold, repeats, settle, view

WINDOW = 1_764_000_000_000 // 3_600_000 * 3_600_000
BRUTE = RulePolicy("auth_failure", "high", "brute force", threshold=Threshold(20, 300, "source"))
TRAIL = RulePolicy("cloudtrail_stopped", "critical", "trail stopped")


def detection(
    policy: RulePolicy, batch: int, count: int, bucket: int = 0, address: str = "203.0.113.7"
) -> Detection:
    first = WINDOW + bucket * 300_000
    buckets = {str(first): count} if policy.threshold else {}
    return Detection(
        policy, f"source:{address}", WINDOW, 3600, "/admin/logs", "s", "123456789012", None, None,
        address, count, first, first + count, "sample", f"{batch:016x}" + "0" * 16, "archive/x.gz",
        str(batch), buckets,
    )  # fmt: skip


def deliver(document: dict | None, invocation: list[Detection], token: str) -> tuple[dict | None, list[str]]:
    """One invocation: fold, then mark what it owns `sent` (what the sink does when publishing works)."""
    folded = fold(document, invocation, WINDOW, token)
    document = folded.document or document
    if folded.ours:
        assert document is not None
        refs = {(invocation[i].rule, entry_id(invocation[i])): "m" for i in folded.ours}
        document = settle(document, token, refs) or document
    return document, folded.outcomes


def entry(document: dict | None, found: Detection) -> dict:
    seen = view(document, found)
    assert seen is not None
    return seen


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
    document: dict | None = None
    outcomes: list[str] = []
    while deliveries:  # invocations of 1..8 batches; one batch appears once per invocation
        size = rng.randint(1, 8)
        invocation = list({d.batch_id: d for d in deliveries[:size]}.values())
        deliveries = deliveries[size:]
        document, got = deliver(document, invocation, f"call-{len(outcomes)}")
        outcomes += got
    per_bucket: dict[int, int] = {}
    for count, bucket in batches:
        per_bucket[bucket] = per_bucket.get(bucket, 0) + count
    over = max(per_bucket.values()) >= 20
    assert outcomes.count("notify") == (1 if over else 0)
    state = entry(document, distinct[0])
    assert state["count"] == sum(count for count, _ in batches)
    assert document is not None and len(document["batches"]) == len(distinct)
    if over:
        assert state["notified"]["state"] == "sent"
        assert repeats(state) == state["count"] - state["notified"]["count"]


def test_an_unthresholded_rule_notifies_on_its_first_event_and_counts_the_rest() -> None:
    document, first = deliver(None, [detection(TRAIL, 1, 1)], "a")
    document, again = deliver(document, [detection(TRAIL, 1, 1)], "b")
    document, later = deliver(document, [detection(TRAIL, 2, 3)], "c")
    assert (first, again, later) == (["notify"], ["redelivery"], ["repeat"])
    assert repeats(entry(document, detection(TRAIL, 1, 1))) == 3


def test_five_thousand_addresses_in_one_invocation_are_one_document_with_exact_counts() -> None:
    one_each = [detection(BRUTE, i % 160, 1, 0, f"198.51.{i // 250}.{i % 250}") for i in range(5000)]
    folded = fold(None, one_each, WINDOW, "a")
    assert folded.ours == [] and set(folded.outcomes) == {"counted"}
    document = folded.document
    assert document is not None and len(document["keys"]["auth_failure"]) == 5000
    assert len(document["batches"]) == 160
    again = fold(document, one_each, WINDOW + 1000, "b")  # the whole invocation redelivered
    assert again.document is None and set(again.outcomes) == {"redelivery"}
    # across invocations: 20 more batches of the first 50 addresses cross the threshold once each
    more = [detection(BRUTE, 1000 + b, 1, 0, f"198.51.0.{i}") for b in range(19) for i in range(50)]
    crossed = fold(document, more, WINDOW + 2000, "c")
    assert len(crossed.ours) == 50 and crossed.outcomes.count("notify") == 50
    assert crossed.document is not None and entry(crossed.document, more[0])["count"] == 20
    assert entry(crossed.document, one_each[4999])["count"] == 1


def test_a_live_owners_mark_is_left_alone_and_a_dead_ones_is_taken_over() -> None:
    first = fold(None, [detection(TRAIL, 1, 1)], WINDOW, "a")
    assert first.outcomes == ["notify"] and first.document is not None
    again = fold(first.document, [detection(TRAIL, 1, 1)], WINDOW + 1000, "b")
    assert again.outcomes == ["in_progress"] and again.document is None
    later = fold(first.document, [detection(TRAIL, 1, 1)], WINDOW + LEASE_MS + 1, "b")
    assert later.outcomes == ["notify"] and later.document is not None
    assert entry(later.document, detection(TRAIL, 1, 1))["notified"]["token"] == "b"


def test_a_mark_is_held_until_its_writers_deadline_not_the_default_lease() -> None:
    until = WINDOW + 330_000  # a 300 s Kinesis-mode invocation plus the margin
    first = fold(None, [detection(TRAIL, 1, 1)], WINDOW, "a", until)
    assert entry(first.document, detection(TRAIL, 1, 1))["notified"]["until"] == until
    alive = fold(first.document, [detection(TRAIL, 1, 1)], WINDOW + LEASE_MS + 1, "b")
    assert alive.outcomes == ["in_progress"] and alive.document is None
    dead = fold(first.document, [detection(TRAIL, 1, 1)], until + 1, "b")
    assert dead.outcomes == ["notify"]


def test_our_own_write_whose_answer_was_lost_is_still_ours() -> None:
    first = fold(None, [detection(TRAIL, 1, 1), detection(TRAIL, 2, 1)], WINDOW, "a")
    assert first.outcomes == ["notify", "repeat"]
    retried = fold(first.document, [detection(TRAIL, 1, 1), detection(TRAIL, 2, 1)], WINDOW + 10, "a")
    assert retried.outcomes == ["notify", "redelivery"] and retried.document is None  # still ours, once


def test_release_lets_the_retry_publish_and_settle_needs_the_token() -> None:
    found = detection(TRAIL, 1, 1)
    first = fold(None, [found], WINDOW, "a")
    assert first.document is not None
    ref = (found.rule, entry_id(found))
    assert settle(first.document, "someone-else", {ref: "m"}) is None
    released = settle(first.document, "a", {}, [ref])
    assert released is not None and entry(released, found)["notified"] is None
    retry = fold(released, [found], WINDOW + 60_000, "b")  # the same batch again: Lambda's retry
    assert retry.outcomes == ["notify"]


def test_keys_past_the_document_limit_are_counted_as_untracked(monkeypatch: pytest.MonkeyPatch) -> None:
    import stream_processor.alerting.state as state

    monkeypatch.setattr(state, "MAX_KEYS", 3)
    folded = fold(None, [detection(BRUTE, 1, 1, 0, f"192.0.2.{i}") for i in range(5)], WINDOW, "a")
    assert folded.outcomes == ["counted"] * 3 + ["untracked"] * 2
    assert folded.document is not None and folded.document["untracked"] == 2
