"""The partial aggregate's laws (DESIGN §6), property-tested on partials the pipeline really builds.

Partials come from `aggregate_batch` over generated batches of one UTC day (several log groups,
hours, levels, latencies, principals, error signatures and security hits), staying under the
counter caps, where the laws hold exactly. A last test checks the caps bound a merge's size.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_processor import aggregate, counters
from stream_processor.decode import Batch, batch_id
from stream_processor.pipeline import aggregate_batch
from tests.support.merge_orders import folded, streamed_shuffled

DAY_MS = 1_764_115_200_000  # 2025-11-26T00:00:00Z
LAWS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_serial = itertools.count()

TEMPLATES = (
    '{{"level": "{level}", "message": "request done", "latency_ms": {n}, "user": "{user}", '
    '"action": "{action}", "status": {status}}}',
    "{level}: worker {n} failed to reach db-{m}.internal after {n} ms",
    "Nov 26 12:00:01 host sshd[{n}]: Failed password for {user} from 10.0.0.{m} port 22 ssh2",
    "Nov 26 12:00:02 host sudo: {user} : TTY=pts/0 ; USER=root ; COMMAND=/bin/ls",
    'level={level} msg="job {m}" duration_ms={n} user={user} action={action}',
    "Traceback (most recent call last):\n  File \"app.py\", line {n}\nKeyError: 'k{m}'",
    "REPORT RequestId: {m} Duration: {n}.5 ms Billed Duration: {n} ms",
    "DeleteBucket called by {user} on bucket-{m} token=abc{n}",
)

event_specs = st.tuples(
    st.integers(0, len(TEMPLATES) - 1),
    st.sampled_from(("INFO", "DEBUG", "WARN", "ERROR", "CRITICAL", "notice")),
    st.integers(0, 5000),
    st.integers(0, 9),
    st.sampled_from(("alice", "bob", "root", "svc")),
    st.sampled_from(("GetObject", "login", "AttachUserPolicy")),
    st.sampled_from((200, 401, 403, 500)),
    st.integers(0, 86_400_000 - 1),
)


def _message(spec: tuple[Any, ...]) -> str:
    template, level, n, m, user, action, status, _ = spec
    return TEMPLATES[template].format(level=level, n=n, m=m, user=user, action=action, status=status)


@st.composite
def partials(draw: st.DrawFn) -> aggregate.Partial:
    """One partial: a generated batch of one log group, all on the same UTC day."""
    group = draw(st.sampled_from(("/admin/logs", "/operator/logs")))
    specs = draw(st.lists(event_specs, min_size=1, max_size=25))
    serial = next(_serial)
    events = [
        {"id": f"{serial:08d}{i:04d}", "timestamp": DAY_MS + spec[-1], "message": _message(spec)}
        for i, spec in enumerate(specs)
    ]
    stream = f"stream-{serial}"
    batch = Batch("DATA_MESSAGE", "123", group, stream, (), events, batch_id("123", group, stream, events))
    (partial,) = aggregate_batch(batch)
    return partial


def _enc(partial: aggregate.Partial) -> bytes:
    return aggregate.encode(partial)


@LAWS
@given(partials(), partials(), partials())
def test_merge_is_associative(a: aggregate.Partial, b: aggregate.Partial, c: aggregate.Partial) -> None:
    left = aggregate.merge(aggregate.merge(a, b), c)
    right = aggregate.merge(a, aggregate.merge(b, c))
    assert _enc(left) == _enc(right)


@LAWS
@given(partials(), partials())
def test_merge_is_commutative_and_pure(a: aggregate.Partial, b: aggregate.Partial) -> None:
    a_before, b_before = copy.deepcopy(a), copy.deepcopy(b)
    assert _enc(aggregate.merge(a, b)) == _enc(aggregate.merge(b, a))
    assert (a, b) == (a_before, b_before)


@LAWS
@given(partials())
def test_empty_is_the_identity(a: aggregate.Partial) -> None:
    assert _enc(aggregate.merge(a, aggregate.empty())) == _enc(a)
    assert _enc(aggregate.merge(aggregate.empty(), a)) == _enc(a)
    assert aggregate.merge(aggregate.empty(), aggregate.empty()) == aggregate.empty()


@LAWS
@given(st.lists(partials(), min_size=2, max_size=6), st.randoms(use_true_random=False))
def test_any_merge_order_gives_the_same_bytes(items: list[aggregate.Partial], rng: Any) -> None:
    expected = folded(items)
    assert streamed_shuffled(items, rng) == expected
    assert aggregate.decode(expected) == orjson.loads(expected)
    total = sum(w["events"] for p in items for hours in p["windows"].values() for w in hours.values())
    merged = aggregate.decode(expected)
    assert sum(w["events"] for hours in merged["windows"].values() for w in hours.values()) == total
    assert merged["partials"] == merged["batches"] == len(items)
    assert merged["batch_ids"] is None and merged["archive"] is None  # ids are not merged


def _window(serial: int) -> aggregate.Window:
    window = aggregate.new_window()
    window["events"] = 50
    for i in range(50):
        window["principals"][f"user-{serial}-{i}"] = 1 + i % 3
        window["actions"][f"action-{serial}-{i}"] = 1
        window["error_signatures"][f"error <*> kind {serial}-{i}"] = {
            "count": 1,
            "first": [DAY_MS + serial, f"{serial}-{i}"],
            "sample": "x" * 500,
        }
    window["security"]["auth_failure"] = {
        "count": 50,
        "samples": [[DAY_MS + serial, f"{serial}-{i}", "y" * 500] for i in range(5)],
    }
    return window


def test_caps_bound_the_size_of_a_merge() -> None:
    """1,000 partials with 50 new keys each: the counters stay at their caps, kept counts are
    exact, and the events of every key left out are counted as folded."""
    merged = aggregate.empty()
    for serial in range(1000):
        partial = {
            **aggregate.empty(),
            "date": "2025-11-26",
            "partials": 1,
            "batches": 1,
            "windows": {"/admin/logs": {"12": _window(serial)}},
        }
        aggregate.merge_into(merged, partial)
        window = merged["windows"]["/admin/logs"]["12"]
        assert len(window["principals"]) <= aggregate.COUNTER_CAP
        assert len(window["error_signatures"]) <= aggregate.COUNTER_CAP
    assert window["events"] == 50_000
    assert len(window["security"]["auth_failure"]["samples"]) == aggregate.SAMPLES_PER_RULE
    assert window["security"]["auth_failure"]["count"] == 50_000
    everything = {f"user-{s}-{i}": 1 + i % 3 for s in range(1000) for i in range(50)}
    folded = window["folded"]["principals"]
    assert window["principals"] == {
        k: n for k, n in everything.items() if counters.level(k) >= folded["level"]
    }
    assert folded["events"] == sum(everything.values()) - sum(window["principals"].values())
    assert window["folded"]["actions"]["events"] == 50_000 - len(window["actions"])
    signatures = window["folded"]["error_signatures"]
    assert signatures["events"] == 50_000 - len(window["error_signatures"])
    assert len(aggregate.encode(merged)) < 1_500_000  # bounded, not proportional to 1,000 partials
