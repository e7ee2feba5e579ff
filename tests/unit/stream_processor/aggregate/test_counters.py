"""Hash-level sampling of capped counters (`stream_processor.aggregate.counters`): what is kept and why."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from stream_processor.aggregate import counters


def _keys(n: int) -> dict[str, int]:
    return {f"user-{i}": 1 + i % 7 for i in range(n)}


def test_a_counter_under_its_cap_is_left_exact() -> None:
    counts = _keys(50)
    assert counters.fit(counts, int, 0, 50) == (0, 0)
    assert counts == _keys(50)


def test_past_the_cap_exactly_the_keys_at_or_above_the_chosen_level_stay() -> None:
    counts = _keys(5000)
    level, folded = counters.fit(counts, int, 0, 200)
    everything = _keys(5000)
    assert level > 0 and len(counts) <= 200
    assert counts == {k: n for k, n in everything.items() if counters.level(k) >= level}
    # the smallest level that fits: one level lower would hold more than the cap
    assert sum(1 for k in everything if counters.level(k) >= level - 1) > 200
    assert folded == sum(everything.values()) - sum(counts.values())


def test_levels_halve_like_a_fair_coin() -> None:
    levels = [counters.level(f"k{i}") for i in range(20_000)]
    at_least_one = sum(1 for found in levels if found >= 1)
    at_least_three = sum(1 for found in levels if found >= 3)
    assert 9_500 < at_least_one < 10_500
    assert 2_200 < at_least_three < 2_800


@given(
    st.lists(st.dictionaries(st.text(max_size=6), st.integers(1, 50), max_size=60), max_size=8), st.randoms()
)
def test_merging_in_any_order_keeps_the_same_keys_and_counts(
    parts: list[dict[str, int]], rng: random.Random
) -> None:
    def add(mine: int | None, count: int) -> int:
        return count if mine is None else mine + count

    def merge_all(order: list[dict[str, int]]) -> tuple[dict[str, int], int, int]:
        into: dict[str, int] = {}
        level = folded = 0
        for part in order:
            single = dict(part)
            part_level, part_folded = counters.fit(single, int, 0, 16)
            level, more = counters.merge(into, single, (level, part_level), add, int, 16)
            folded += part_folded + more
        return into, level, folded

    expected = merge_all(parts)
    shuffled = list(parts)
    rng.shuffle(shuffled)
    assert merge_all(shuffled) == expected
    kept, level, folded = expected
    union: dict[str, int] = {}
    for part in parts:
        for key, count in part.items():
            union[key] = union.get(key, 0) + count
    assert kept == {k: n for k, n in union.items() if counters.level(k) >= level}
    assert folded == sum(union.values()) - sum(kept.values())
    assert len(kept) <= 16
