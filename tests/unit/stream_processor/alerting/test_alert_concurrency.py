"""Concurrent invocations on one window document (pure model of S3's conditional writes): whatever
the interleaving of reads and writes, lost answers to successful writes, failed publishes and
Lambda's retries of them, each (rule, key) over its threshold is published exactly once and every
count is exact."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.alerting.state import entry_id, fold, settle, view
from tests.unit.stream_processor.alerting.test_alert_state import BRUTE, WINDOW, detection


@dataclass
class Bucket:
    """One S3 object with ETags: a read returns (document, version); a write holds only if the
    version is unchanged."""

    document: dict | None = None
    version: int = 0

    def write(self, document: dict, expected: int) -> bool:
        if expected != self.version:
            return False
        self.document, self.version = document, self.version + 1
        return True


@dataclass
class World:
    bucket: Bucket
    rng: random.Random
    published: list[tuple[str, str]] = field(default_factory=list)
    retries: list[list] = field(default_factory=list)


def invocation(world: World, detections: list, token: str, fail_publish: bool) -> Iterator[None]:
    """The sink's steps for one invocation; it yields wherever another writer may come in between."""
    while True:  # fold until the conditional write holds
        document, version = world.bucket.document, world.bucket.version
        yield
        folded = fold(document, detections, WINDOW, token)
        if folded.document is None:
            stored = document
            break
        if world.bucket.write(folded.document, version):
            if world.rng.random() < 0.2:  # the answer is lost: the writer tries again, as after a 412
                yield
                continue
            stored = folded.document
            break
        yield
    refs = [(detections[i].rule, entry_id(detections[i])) for i in folded.ours]
    assert all(view(stored, detections[i]) for i in folded.ours)
    yield
    sent = {} if fail_publish else {ref: "m" for ref in refs}
    world.published += list(sent)
    while refs:  # settle: sent, or released for Lambda's retry
        document, version = world.bucket.document, world.bucket.version
        yield
        assert document is not None
        changed = settle(document, token, sent, [] if sent else refs)
        if changed is None or world.bucket.write(changed, version):
            break
    if fail_publish and refs:
        world.retries.append(detections)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 3), st.integers(1, 12)), min_size=1, max_size=6),
        min_size=1,
        max_size=8,
    ),
    st.randoms(use_true_random=False),
)
def test_each_key_over_its_threshold_is_published_once_whatever_the_interleaving(
    invocations: list[list[tuple[int, int]]], rng: random.Random
) -> None:
    counter = iter(range(10_000))
    batches = [
        [detection(BRUTE, next(counter), count, 0, f"192.0.2.{address}") for address, count in picks]
        for picks in invocations
    ]
    world = World(Bucket(), rng)
    running = [invocation(world, b, f"t{i}", rng.random() < 0.3) for i, b in enumerate(batches)]
    attempt = 0
    while running or world.retries:
        for detections in world.retries:  # Lambda retries a failed invocation (new token)
            attempt += 1
            running.append(invocation(world, detections, f"retry{attempt}", rng.random() < 0.3))
        world.retries.clear()
        step = rng.randrange(len(running))
        try:
            next(running[step])
        except StopIteration:
            running.pop(step)
    totals: dict[str, int] = {}
    for batch in batches:
        for found in batch:
            totals[found.key] = totals.get(found.key, 0) + found.count
    over = sorted(key for key, count in totals.items() if count >= 20)
    published = sorted(ref for ref in world.published)
    by_key = {entry_id(found): found.key for batch in batches for found in batch}
    assert sorted(by_key[eid] for _, eid in published) == over  # once each, none below
    for batch in batches:
        for found in batch:
            state = view(world.bucket.document, found)
            assert state is not None and state["count"] == totals[found.key]
