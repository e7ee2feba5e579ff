"""Duplicate storms: every batch of a generated day delivered 1-5 times, in random order, from
several threads at once, some as Kinesis records and some as retries after injected faults; the
daily report equals the ground truth and every batch has exactly one archive object and one
partial per day."""

from __future__ import annotations

import random
from typing import Any

from stream_processor.handler import lambda_handler
from tests.builders import kinesis_event, subscription_event
from tests.conftest import list_keys
from tests.faults import NEXT_DAY, Delivery, assert_exact, deliver_all, generate_day, proxied


def _storm(payloads: list[bytes], seed: int) -> list[dict[str, Any]]:
    """Each payload 1-5 times, shuffled; about a third of the copies arrive through Kinesis."""
    rng = random.Random(seed)
    events = []
    for raw in payloads:
        for _ in range(rng.randint(1, 5)):
            events.append(kinesis_event([raw]) if rng.random() < 0.3 else subscription_event(raw))
    rng.shuffle(events)
    return events


def test_duplicate_storm_from_eight_threads_counts_every_event_once(aws: dict[str, Any]) -> None:
    day = generate_day(seed=21, events=12_000, largest=3_000)
    storm = _storm(day.payloads, seed=22)
    assert len(storm) > 2 * len(day.payloads)
    deliver = Delivery(lambda_handler)
    assert all(deliver_all(deliver, storm, workers=8))
    s3, bucket = aws["s3"], aws["bucket"]
    assert len(list_keys(s3, bucket, "archive/")) == len(day.payloads)
    assert len(list_keys(s3, bucket, f"aggregates/dt={day.date}/")) == len(day.payloads)
    assert len(list_keys(s3, bucket, f"aggregates/dt={NEXT_DAY}/")) == 1
    for date in (day.date, NEXT_DAY):
        assert_exact(s3, bucket, day.truth, date)


def test_duplicate_storm_with_faults_and_lambda_retries_counts_every_event_once(aws: dict[str, Any]) -> None:
    """A 10 % fault rate on every S3 put: some deliveries need Lambda's retries, none are lost."""
    day = generate_day(seed=31, events=4_000, largest=800)
    storm = _storm(day.payloads, seed=32)
    with proxied(aws, seed=33) as proxy:
        proxy.inject("s3:PutObject", "reset", rate=0.1)
        deliver = Delivery(lambda_handler)
        assert all(deliver_all(deliver, storm, workers=6))
        assert proxy.count("s3:PutObject", faults=True) > 0
        proxy.clear()
        for date in (day.date, NEXT_DAY):
            assert_exact(aws["s3"], aws["bucket"], day.truth, date)
