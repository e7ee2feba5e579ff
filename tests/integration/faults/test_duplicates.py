"""Duplicate storms: every batch of a generated day delivered 1-5 times, in random order, from
several threads at once, some as Kinesis records and some as retries after injected faults; the
daily report equals the ground truth, every batch has exactly one archive object and one
partial per day, and every (rule, key, window) that is a detection was notified exactly once."""

from __future__ import annotations

import calendar
import random
import time
from typing import Any

import pytest

from stream_processor import handler
from stream_processor.alerting.detections import find_detections
from stream_processor.alerting.policy import at_least
from stream_processor.handler import lambda_handler
from stream_processor.pipeline import DEFAULT_RULES, analyse_batch, decode_data
from tests.support.alerting import AlertPlumbing, create_plumbing
from tests.support.aws import list_keys
from tests.support.builders import kinesis_event, subscription_event
from tests.support.generated_day import NEXT_DAY, generate_day
from tests.support.lambda_delivery import Delivery, deliver_all, proxied
from tests.support.readers import assert_exact


def _storm(payloads: list[bytes], seed: int) -> list[dict[str, Any]]:
    """Each payload 1-5 times, shuffled; about a third of the copies arrive through Kinesis."""
    rng = random.Random(seed)
    events = []
    for raw in payloads:
        for _ in range(rng.randint(1, 5)):
            events.append(kinesis_event([raw]) if rng.random() < 0.3 else subscription_event(raw))
    rng.shuffle(events)
    return events


def expected_detections(payloads: list[bytes]) -> set[tuple[str, str, int]]:
    """(rule, key, window start) of every detection a single clean delivery of each batch makes."""
    buckets: dict[tuple[str, str, int], dict[str, int]] = {}
    unthresholded: set[tuple[str, str, int]] = set()
    threshold: dict[str, int] = {}
    for raw in payloads:
        batch = decode_data(raw)
        analysis = analyse_batch(batch, DEFAULT_RULES)
        found, _ = find_detections(batch, analysis, DEFAULT_RULES, "a")
        for detection in found:
            group = (detection.rule, detection.key, detection.window_start)
            if detection.policy.threshold is None:
                unthresholded.add(group)
                continue
            threshold[detection.rule] = detection.policy.threshold.count
            counts = buckets.setdefault(group, {})
            for bucket, count in detection.buckets.items():
                counts[bucket] = counts.get(bucket, 0) + count
    over = {group for group, counts in buckets.items() if max(counts.values()) >= threshold[group[0]]}
    return unthresholded | over


def severity_of(payloads: list[bytes]) -> dict[str, str]:
    """Rule or group id → the severity its detections are notified with."""
    found: dict[str, str] = {}
    for raw in payloads:
        batch = decode_data(raw)
        analysis = analyse_batch(batch, DEFAULT_RULES)
        for detection in find_detections(batch, analysis, DEFAULT_RULES, "a")[0]:
            found[detection.rule] = detection.severity
    return found


def notified(plumbing: AlertPlumbing) -> list[tuple[str, str, int]]:
    """(rule, key, window start) of every detection event EventBridge delivered."""
    found = []
    for event in plumbing.events(wait=2):
        detail = event["detail"]
        start = calendar.timegm(time.strptime(detail["window"]["start"][:19], "%Y-%m-%d %H:%M:%S")) * 1000
        found.append((detail["rule"], detail["key"], start))
    return found


@pytest.fixture
def alert_plumbing(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> AlertPlumbing:
    found = create_plumbing()
    monkeypatch.setenv("ALERT_TOPIC_ARN", found.topic_arn)
    monkeypatch.setenv("ALERT_EVENT_BUS", found.bus)
    handler._ingest.cache_clear()
    return found


def test_duplicate_storm_from_eight_threads_counts_every_event_once(
    aws: dict[str, Any], alert_plumbing: AlertPlumbing
) -> None:
    day = generate_day(seed=21, events=12_000, largest=3_000)
    storm = _storm(day.payloads, seed=22)
    assert len(storm) > 2 * len(day.payloads)
    deliver = Delivery(lambda_handler)
    assert all(deliver_all(deliver, storm, workers=8))
    expected = expected_detections(day.payloads)
    found = notified(alert_plumbing)
    assert len(found) == len(set(found)), "a detection was notified twice"
    assert set(found) == expected and expected
    messages = alert_plumbing.notifications(wait=1)
    severity = severity_of(day.payloads)
    paging = [group for group in expected if at_least(severity[group[0]], "high")]
    assert len(messages) == len(paging)  # the topic got the critical and high ones, once each
    assert {m["MessageAttributes"]["severity"]["Value"] for m in messages} <= {"critical", "high"}
    s3, bucket = aws["s3"], aws["bucket"]
    assert len(list_keys(s3, bucket, "archive/")) == len(day.payloads)
    assert len(list_keys(s3, bucket, f"aggregates/dt={day.date}/")) == len(day.payloads)
    assert len(list_keys(s3, bucket, f"aggregates/dt={NEXT_DAY}/")) == 1
    for date in (day.date, NEXT_DAY):
        assert_exact(s3, bucket, day.truth, date)


def test_duplicate_storm_with_faults_and_lambda_retries_counts_every_event_once(
    aws: dict[str, Any], alert_plumbing: AlertPlumbing
) -> None:
    """A 10 % fault rate on every S3 put (alert state too): some deliveries need Lambda's retries,
    none are lost, no detection is notified twice."""
    day = generate_day(seed=31, events=4_000, largest=800)
    storm = _storm(day.payloads, seed=32)
    with proxied(aws, seed=33) as proxy:
        proxy.inject("s3:PutObject", "reset", rate=0.1)
        deliver = Delivery(lambda_handler)
        assert all(deliver_all(deliver, storm, workers=6))
        assert proxy.count("s3:PutObject", faults=True) > 0
        assert proxy.count("s3:PutObject:alerts", faults=True) > 0
        proxy.clear()
        for date in (day.date, NEXT_DAY):
            assert_exact(aws["s3"], aws["bucket"], day.truth, date)
    found = notified(alert_plumbing)
    assert len(found) == len(set(found)) and set(found) == expected_detections(day.payloads)
