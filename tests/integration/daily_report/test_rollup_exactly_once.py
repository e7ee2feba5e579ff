"""Rollups in Kinesis mode against moto's server: a batch that several invocations delivered
(a redelivery regrouped by the event source mapping) is counted once, whichever bundles, hours and
rollups hold it.

The truth is computed without S3: every distinct batch aggregated alone (`process_data`, with the
configured rules, including a user rule) and merged. A rollup or a daily merge that counted a batch
twice, or rebuilt an overlapping bundle with the built-in rules, has other windows than that.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daily_report.errors import ReportError
from daily_report.rollup.roller import Roller
from daily_report.source.hourly import merge_day
from daily_report.source.reader import PartialSource
from daily_report.source.rollup_doc import cover_entries, rollup_key
from stream_processor import aggregate, handler
from stream_processor.config import clear_caches, load_config
from stream_processor.handler import lambda_handler
from stream_processor.pipeline import process_data
from tests.support.aws import list_keys
from tests.support.builders import compress, envelope, kinesis_event, log_event, subscription_event
from tests.support.generated_day import HOUR_MS, day_start_ms
from tests.support.rollup_kit import content, direct_report, report, roll_up, rollup_doc

DATE = "2025-11-26"
DAY = date.fromisoformat(DATE)
USER_DOC = '{"SecurityRules": {"break_glass": "break-glass role assumed"}}'
LINES = (
    "ERROR payment failed for order {n}",
    "INFO request served in {n} ms",
    "break-glass role assumed by operator-{n}",  # only the user rule (SSM) detects it
    "WARN retrying database call {n}",
)


def batch(name: str, hour: int, size: int, minute: int = 5) -> bytes:
    """One CloudWatch batch of `size` events starting at hour:minute of DATE."""
    start = day_start_ms(DATE) + hour * HOUR_MS + minute * 60_000
    events = [
        log_event(LINES[(n + len(name)) % len(LINES)].format(n=n), start + n * 1_000, f"{name}-{n:04d}")
        for n in range(size)
    ]
    group = "/admin/logs" if hour % 2 else "/operator/logs"
    return compress(envelope(events, log_group=group, log_stream=f"i-{name}"))


BATCHES = {
    "a": batch("a", 9, 3),
    "b": batch("b", 11, 5),
    "c": batch("c", 11, 4, minute=40),
    "d": batch("d", 10, 6),
    "e": batch("e", 10, 2, minute=50),
    "f": batch("f", 12, 3),
}


@pytest.fixture
def user_rules(aws: dict[str, Any]) -> None:
    """A user rules document in SSM: a rebuild with the built-in rules would miss its detections."""
    import os

    boto3.client("ssm").put_parameter(Name=os.environ["USER_RULES_PARAMETER"], Type="String", Value=USER_DOC)
    clear_caches()
    handler._ingest.cache_clear()


def deliver(*names: str) -> None:
    """One Kinesis invocation holding these batches (one bundle per day, keyed by its batches)."""
    lambda_handler(kinesis_event([BATCHES[name] for name in names]), None)


def truth(names: set[str]) -> aggregate.Partial:
    """Every distinct batch aggregated alone with the configured rules, merged."""
    merged = aggregate.empty()
    for name in sorted(names):
        for partial in process_data(BATCHES[name], load_config().rules):
            if partial["date"] == DATE:
                aggregate.merge_into(merged, partial)
    return merged


def batch_name(batch_id: str) -> str:
    (name,) = (n for n, raw in BATCHES.items() if process_data(raw)[0]["batch_ids"] == [batch_id])
    return name


def covered_batches(s3: Any, bucket: str, prefix: str, covers: str) -> set[str]:
    """The batches of every partial a rollup covers (read back from S3)."""
    names: set[str] = set()
    for name, _ in cover_entries(covers):
        partial = aggregate.decode(s3.get_object(Bucket=bucket, Key=prefix + name)["Body"].read())
        names.update(batch_name(i) for i in partial["batch_ids"])
    return names


def source(aws: dict[str, Any]) -> PartialSource:
    return PartialSource(aws["bucket"], aws["s3"], rules=lambda: load_config().rules)


def assert_once(merged: aggregate.Partial, names: set[str]) -> None:
    expected = truth(names)
    assert merged["batches"] == len(names)
    assert aggregate.encode(merged["windows"]) == aggregate.encode(expected["windows"])


def assert_report_exact(aws: dict[str, Any], names: set[str]) -> None:
    """The daily merge counts every batch once, and the report equals the one without rollups."""
    assert_once(merge_day(source(aws), DAY).partial, names)
    rolled = report(aws, DATE)
    assert rolled["batches"] == len(names)
    assert content(direct_report(aws, DATE)) == content(rolled)


def test_a_late_bundle_regrouping_rolled_up_batches_counts_them_once(
    aws: dict[str, Any], user_rules: None
) -> None:
    deliver("d", "e")  # one bundle of two batches under hour=10
    roll_up(hour=f"{DATE}T10")
    doc = rollup_doc(aws, rollup_key(DAY, 10))
    assert doc["partial"]["batches"] == 2
    deliver("e")  # late, alone: a batch the rollup holds inside the two-batch bundle
    deliver("a", "d")  # late, under hour=09: d again, regrouped
    deliver("d")  # late, alone, under hour=10
    roll_up(hour=f"{DATE}T10")  # the rollup is extended with the late partials of its hour
    doc = rollup_doc(aws, rollup_key(DAY, 10))
    assert_once(doc["partial"], {"d", "e"})
    assert doc["objects"] == 3
    ids = doc["batch_ids"].split("\n")
    assert len(ids) == 2 and ids == sorted(ids)  # the batch ids of the multi-batch bundle only
    extended = aws["s3"].get_object(Bucket=aws["bucket"], Key=rollup_key(DAY, 10))["Body"].read()
    aws["s3"].delete_object(Bucket=aws["bucket"], Key=rollup_key(DAY, 10))
    roll_up(hour=f"{DATE}T10")  # rebuilt from scratch: the same bytes as the extended rollup
    assert aws["s3"].get_object(Bucket=aws["bucket"], Key=rollup_key(DAY, 10))["Body"].read() == extended
    assert_report_exact(aws, {"a", "d", "e"})


def test_a_late_bundle_regrouping_a_rolled_up_single_batch_counts_it_once(
    aws: dict[str, Any], user_rules: None
) -> None:
    deliver("d")  # alone: its key names the batch
    roll_up(hour=f"{DATE}T10")
    deliver("d", "e")  # late, both under hour=10: d again
    roll_up(hour=f"{DATE}T10")
    assert_once(rollup_doc(aws, rollup_key(DAY, 10))["partial"], {"d", "e"})
    assert_report_exact(aws, {"d", "e"})


def test_the_same_batch_under_two_hours_both_rolled_up_counts_once(
    aws: dict[str, Any], user_rules: None
) -> None:
    deliver("b")  # alone, under hour=11
    deliver("a", "b")  # with a batch of 09: the bundle is under hour=09
    deliver("c", "f")  # under hour=11, nothing shared
    roll_up(date=DATE)
    for hour, names in ((9, {"a", "b"}), (11, {"b", "c", "f"})):
        assert_once(rollup_doc(aws, rollup_key(DAY, hour))["partial"], names)  # each rollup alone is exact
    assert_report_exact(aws, {"a", "b", "c", "f"})  # the day counts b once


def test_an_overlapping_rollup_whose_partials_expired_is_a_clear_error(
    aws: dict[str, Any], user_rules: None
) -> None:
    deliver("b")
    deliver("a", "b")
    deliver("c", "f")
    roll_up(date=DATE)  # hour 09's rollup is taken first; hour 11's counts b too: set aside
    s3, bucket = aws["s3"], aws["bucket"]
    (expired, *_) = list_keys(s3, bucket, f"aggregates/dt={DATE}/hour=11/")
    s3.delete_object(Bucket=bucket, Key=expired)  # what the lifecycle rule does after N days
    with pytest.raises(ReportError, match=r"hour=11.json counts batches another hour counts too"):
        merge_day(source(aws), DAY)


def test_a_late_bundle_read_by_the_daily_job_overlapping_another_hours_rollup(
    aws: dict[str, Any], user_rules: None
) -> None:
    deliver("b")
    deliver("c")
    roll_up(date=DATE)  # hour 11 holds b and c, every other hour is empty
    deliver("a", "b")  # late under hour=09, not rolled up: the daily job reads it itself
    plan_reads = merge_day(source(aws), DAY).objects
    assert plan_reads == 3
    assert_report_exact(aws, {"a", "b", "c"})


def test_direct_mode_rollups_are_unchanged(aws: dict[str, Any]) -> None:
    """Single-batch partials only: no batch ids recorded, and the document is the one before."""
    for name in ("a", "b", "c"):
        lambda_handler(subscription_event(BATCHES[name]), None)
    roll_up(hour=f"{DATE}T11")
    doc = rollup_doc(aws, rollup_key(DAY, 11))
    assert "batch_ids" not in doc
    assert sorted(doc) == ["covers", "date", "hour", "objects", "partial", "prefix", "schema"]


NAMES = sorted(BATCHES)
step = st.one_of(
    st.tuples(st.just("deliver"), st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True)),
    st.tuples(st.just("rollup"), st.sampled_from([9, 10, 11, 12])),
)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=7), finish=st.booleans())
def test_rollups_and_the_daily_merge_count_every_batch_once(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, steps: list[tuple[str, Any]], finish: bool
) -> None:
    """Any groupings and redeliveries of batches, rolled up at any moments (or not at all):
    the day's merge equals every delivered batch merged exactly once."""
    bucket = f"logreview-prop-{uuid.uuid4().hex[:12]}"
    aws["s3"].create_bucket(Bucket=bucket)
    monkeypatch.setenv("REPORT_BUCKET", bucket)
    here = PartialSource(bucket, aws["s3"], rules=lambda: load_config().rules)
    roller = Roller(here)
    delivered: set[str] = set()
    for kind, arg in steps:
        if kind == "deliver":
            deliver(*arg)
            delivered.update(arg)
        else:
            roller.roll_up(DAY, arg)
    if finish:
        for hour in (9, 10, 11, 12):
            roller.roll_up(DAY, hour)
    for hour in (9, 10, 11, 12):
        found = here.rollup(DAY, hour)
        if found is not None:  # each rollup alone counts the batches of the partials it covers once
            assert_once(found.partial, covered_batches(aws["s3"], bucket, found.prefix, found.covers))
    assert_once(merge_day(here, DAY).partial, delivered)
