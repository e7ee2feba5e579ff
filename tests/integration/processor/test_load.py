"""Load: 50,000 events in batches of 1-10,000 through the StreamProcessor handler from 4 concurrent
workers against moto's server, then the daily report: totals exact (bench/soak.py at 50k; `make
soak` runs the same scenario at 1,000,000)."""

from __future__ import annotations

from typing import Any

from bench.soak import soak


def test_fifty_thousand_events_from_concurrent_workers_report_exactly(aws: dict[str, Any]) -> None:
    result = soak(aws["s3"], aws["bucket"], events=50_000, workers=4, seed=5)
    assert result.events == result.report_events == 50_000
    assert result.exact, result.line()
    assert result.batches >= 20  # sizes from 1 to 10,000: many small batches and a few large ones
