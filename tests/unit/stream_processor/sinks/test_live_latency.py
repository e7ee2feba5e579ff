"""Live latency weighted by events (docs/design.md §10): a CloudWatch p99 over the emitted EMF values
equals (±10 %) the events' p99 whatever the batch sizes.

Batches go through the real pipeline and metrics sink; the EMF lines it prints are read back
and the percentile is computed as CloudWatch computes it: nearest rank over every emitted value,
each counted as often as its `Counts` entry says.
"""

from __future__ import annotations

import math
import random

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_processor.decode import Batch, batch_id
from stream_processor.pipeline import aggregate_batch
from stream_processor.sinks.metrics import MAX_VALUES, MetricsSink, emf_values, percentile

NOON = 1_764_158_400_000  # 2025-11-26T12:00:00Z
_serial = iter(range(10**9))


def _batch(latencies: list[float]) -> Batch:
    serial = next(_serial)
    events = [
        {"id": f"{serial:08d}{i:06d}", "timestamp": NOON + i % 1000, "message": f'{{"latency_ms": {ms}}}'}
        for i, ms in enumerate(latencies)
    ]
    stream = f"stream-{serial}"
    return Batch(
        "DATA_MESSAGE", "1", "/admin/logs", stream, (), events, batch_id("1", "/admin/logs", stream, events)
    )


def _emitted(batches: list[list[float]], capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    sink = MetricsSink()
    capsys.readouterr()
    for latencies in batches:
        sink.batch(aggregate_batch(_batch(latencies)), 1.0)
    lines = capsys.readouterr().out.splitlines()
    return [orjson.loads(line) for line in lines]


def _true_p99(batches: list[list[float]]) -> float:
    ordered = sorted(v for batch in batches for v in batch)
    return ordered[math.ceil(0.99 * len(ordered)) - 1]


def test_one_big_slow_batch_among_many_small_fast_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 12's case: per-batch values put the p99 at 60 ms; weighted by events it is 3 s."""
    rng = random.Random(12)
    big = [3000.0] * 200 + [round(rng.uniform(20, 80), 1) for _ in range(9800)]
    batches = [big] + [[50.0]] * 500
    docs = _emitted(batches, capsys)
    pairs = [pair for doc in docs for pair in emf_values(doc, "Latency")]
    assert sum(count for _, count in pairs) == 10_500  # every event counted once
    cloudwatch_p99 = percentile(pairs, 0.99)
    assert _true_p99(batches) == 3000.0
    assert cloudwatch_p99 == pytest.approx(3000.0, rel=0.10)
    assert all(len(emf_values(doc, "Latency")) <= MAX_VALUES for doc in docs)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=st.lists(
        st.tuples(st.integers(1, 3000), st.floats(0.5, 50_000), st.floats(0.0, 2.0), st.integers(0, 2**32)),
        min_size=1,
        max_size=12,
    )
)
def test_any_mix_of_batch_sizes_keeps_the_p99_within_ten_percent(
    specs: list[tuple[int, float, float, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    batches = []
    for size, median, spread, seed in specs:
        rng = random.Random(seed)
        batches.append(
            [round(min(median * rng.lognormvariate(0, spread), 86_000_000), 3) for _ in range(size)]
        )
    pairs = [pair for doc in _emitted(batches, capsys) for pair in emf_values(doc, "Latency")]
    assert sum(count for _, count in pairs) == sum(map(len, batches))
    assert percentile(pairs, 0.99) == pytest.approx(_true_p99(batches), rel=0.10)


def test_latencies_too_wide_for_one_document_continue_in_more(capsys: pytest.CaptureFixture[str]) -> None:
    """0.01 ms to 9 hours: more than 100 values even with 4 buckets merged; nothing is lost."""
    wide = [0.01 * 1.045**i for i in range(500)]
    docs = _emitted([wide], capsys)
    assert len(docs) > 1 and all(doc["LogGroup"] == "/admin/logs" for doc in docs)
    assert "EventCount" in docs[0] and all(set(doc) == {"_aws", "LogGroup", "Latency"} for doc in docs[1:])
    assert all(len(doc["Latency"]["Values"]) <= MAX_VALUES for doc in docs)
    pairs = [pair for doc in docs for pair in emf_values(doc, "Latency")]
    assert sum(count for _, count in pairs) == 500
    assert percentile(pairs, 0.99) == pytest.approx(_true_p99([wide]), rel=0.05)
