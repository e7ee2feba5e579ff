"""Merge laws far past the counter caps (DESIGN §6): any order or tree gives the same bytes.

Partials are generated with counters of up to 3 × `COUNTER_CAP` keys drawn from overlapping
pools (so keys recur across partials with different counts), fitted to the cap as the pipeline
fits them, then merged left to right, shuffled and streamed, and as random trees.
"""

from __future__ import annotations

import functools
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_processor import aggregate, counters
from tests.support.merge_orders import folded, streamed_shuffled

CAP = aggregate.COUNTER_CAP
DAY_MS = 1_764_115_200_000
PAST_CAPS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _window(rng: random.Random, keys: int) -> aggregate.Window:
    window = aggregate.new_window()
    window["events"] = keys * 3
    for _ in range(keys):
        n = rng.randrange(6 * CAP)
        window["principals"][f"arn:aws:iam::1:user/u{n}"] = rng.randrange(1, 40)
        window["actions"][f"op{n % (4 * CAP)}"] = rng.randrange(1, 9)
        window["statuses"][str(n % 700)] = 1
        first = [DAY_MS + rng.randrange(3_600_000), f"{rng.randrange(10**6):056d}"]
        window["error_signatures"][f"ERROR kind {n} <*>"] = {
            "count": 2,
            "first": first,
            "sample": f"s{first}",
        }
    rules = window["security"]
    rules["auth_failure"] = {
        "count": 9,
        "samples": sorted(
            [DAY_MS + rng.randrange(99), f"{rng.randrange(10**6):056d}", "t"] for _ in range(5)
        ),
    }
    return aggregate.cap_window(window)


@st.composite
def partials(draw: st.DrawFn) -> aggregate.Partial:
    """A partial whose windows' counters were up to 3 × the cap before fitting."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    windows: dict[str, Any] = {}
    for group in draw(st.sets(st.sampled_from(("/admin/logs", "/operator/logs")), min_size=1)):
        hours = draw(st.sets(st.sampled_from(("00", "07", "23")), min_size=1, max_size=2))
        windows[group] = {hour: _window(rng, draw(st.integers(CAP // 2, 3 * CAP))) for hour in hours}
    return {
        "schema": aggregate.SCHEMA,
        "date": "2025-11-26",
        "partials": 1,
        "batches": 1,
        "batch_ids": None,
        "archive": None,
        "windows": windows,
    }


def _enc(partial: aggregate.Partial) -> bytes:
    return aggregate.encode(partial)


def _tree(items: list[aggregate.Partial], rng: random.Random) -> aggregate.Partial:
    if len(items) == 1:
        return items[0]
    cut = rng.randrange(1, len(items))
    return aggregate.merge(_tree(items[:cut], rng), _tree(items[cut:], rng))


@PAST_CAPS
@given(st.lists(partials(), min_size=2, max_size=5), st.randoms(use_true_random=False))
def test_any_order_or_tree_gives_identical_bytes(items: list[aggregate.Partial], rng: random.Random) -> None:
    expected = folded(items)
    assert streamed_shuffled(items, rng) == expected
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert _enc(_tree(shuffled, rng)) == expected


@PAST_CAPS
@given(partials(), partials(), partials())
def test_associative_commutative_with_identity(
    a: aggregate.Partial, b: aggregate.Partial, c: aggregate.Partial
) -> None:
    assert _enc(aggregate.merge(aggregate.merge(a, b), c)) == _enc(aggregate.merge(a, aggregate.merge(b, c)))
    assert _enc(aggregate.merge(a, b)) == _enc(aggregate.merge(b, a))
    assert (
        _enc(aggregate.merge(a, aggregate.empty())) == _enc(a) == _enc(aggregate.merge(aggregate.empty(), a))
    )


@PAST_CAPS
@given(st.lists(partials(), min_size=2, max_size=4))
def test_kept_counts_are_exact_and_folded_events_add_up(items: list[aggregate.Partial]) -> None:
    """What a merge shows is true: every kept key has its full count; the rest is `folded`."""
    merged = functools.reduce(aggregate.merge, items)
    for group, hours in merged["windows"].items():
        for hour, window in hours.items():
            inputs = [p["windows"][group][hour] for p in items if hour in p["windows"].get(group, {})]
            for name in aggregate.CAPPED:
                level, folded = counters.folded_entry(window["folded"], name)
                assert len(window[name]) <= CAP
                for key, kept in window[name].items():
                    assert counters.level(key) >= level
                    parts = [w[name][key] for w in inputs if key in w[name]]
                    if name == "error_signatures":
                        assert kept["count"] == sum(part["count"] for part in parts)
                        assert kept["first"] == min(part["first"] for part in parts)
                    else:
                        assert kept == sum(parts)
                weight = (lambda e: e["count"]) if name == "error_signatures" else (lambda n: n)
                every = sum(weight(v) for w in inputs for v in w[name].values())
                every += sum(counters.folded_entry(w["folded"], name)[1] for w in inputs)
                assert folded == every - sum(weight(v) for v in window[name].values())
