"""The latency histogram: every value and every quantile within 1 % (relative) of the truth."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.aggregate.histogram import (
    MIN_VALUE,
    RELATIVE_ACCURACY,
    ZERO_BUCKET,
    bucket_key,
    bucket_value,
    quantile,
)
from stream_processor.aggregate.window import _latency, _one_latency

TOLERANCE = RELATIVE_ACCURACY * (1 + 1e-9)  # 1 %, plus float rounding at bucket boundaries
latencies = st.floats(min_value=MIN_VALUE, max_value=1e9, allow_nan=False, allow_infinity=False)


def _histogram(values: list[float]) -> dict[str, int]:
    buckets: dict[str, int] = {}
    for value in values:
        key = bucket_key(value)
        buckets[key] = buckets.get(key, 0) + 1
    return buckets


@given(latencies)
def test_bucket_representative_within_one_percent(value: float) -> None:
    assert abs(bucket_value(bucket_key(value)) - value) <= TOLERANCE * value


@settings(max_examples=200)
@given(st.lists(latencies, min_size=1, max_size=300), st.floats(min_value=0.0, max_value=1.0))
def test_quantile_within_one_percent_of_exact_nearest_rank(values: list[float], q: float) -> None:
    ordered = sorted(values)
    exact = ordered[max(1, math.ceil(q * len(values))) - 1]
    found = quantile(_histogram(values), q, ordered[0], ordered[-1])
    assert found is not None
    assert abs(found - exact) <= TOLERANCE * exact


@given(st.lists(latencies, max_size=50), st.lists(latencies, max_size=50))
def test_histograms_merge_by_adding_counts(a: list[float], b: list[float]) -> None:
    merged = _histogram(a)
    for key, count in _histogram(b).items():
        merged[key] = merged.get(key, 0) + count
    assert merged == _histogram(a + b)


def test_tiny_values_share_the_zero_bucket_and_empty_has_no_quantile() -> None:
    assert bucket_key(0.0) == bucket_key(MIN_VALUE / 2) == ZERO_BUCKET
    assert bucket_value(ZERO_BUCKET) == 0.0
    assert quantile({ZERO_BUCKET: 3, bucket_key(10.0): 1}, 0.5, 0.0, 10.0) == 0.0
    assert quantile({}, 0.99, 0.0, 1.0) is None


def test_quantile_is_clamped_to_the_observed_range() -> None:
    buckets = _histogram([100.0])
    assert quantile(buckets, 1.0, 100.0, 100.0) == 100.0


@given(st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=86_400_000)), min_size=1, max_size=50))
def test_window_latency_columns_bucket_exactly_as_bucket_key(values: list[float | None]) -> None:
    """The pipeline buckets a window's latencies column-wise; it must agree with `bucket_key`."""
    found = [v for v in values if v is not None]
    histogram = _latency(values) if len(values) > 1 else _one_latency(values[0])
    assert histogram["buckets"] == dict(Counter(bucket_key(v) for v in found))
    assert histogram["count"] == len(found)
