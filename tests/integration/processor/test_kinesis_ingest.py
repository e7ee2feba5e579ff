"""Kinesis mode against moto's server over HTTP: an invocation of many records is one archive
object and one bundle per UTC day; redelivery and regrouping count every batch once; a poison
record is quarantined while the rest is processed; replaying a multi-batch archive object
recreates the live objects byte for byte."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import boto3
import pytest

from daily_report.source.hourly import merge_day
from daily_report.source.reader import PartialSource
from stream_processor import aggregate
from stream_processor.cli import main
from stream_processor.decode import split_members
from stream_processor.handler import lambda_handler
from stream_processor.sinks import archive_body
from tests.support.aws import list_keys
from tests.support.builders import kinesis_event
from tests.support.generated_day import NEXT_DAY, generate_day
from tests.support.readers import assert_exact


def snapshot(s3: Any, bucket: str, *prefixes: str) -> dict[str, bytes]:
    keys = [key for prefix in prefixes for key in list_keys(s3, bucket, prefix)]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def test_an_event_of_many_records_is_one_archive_object_and_one_bundle_per_day(aws: dict[str, Any]) -> None:
    day = generate_day(seed=41, events=3_000, largest=400)
    assert len(day.payloads) > 20
    result = lambda_handler(kinesis_event(day.payloads), None)
    assert result["processed"] == len(day.payloads) and result["events"] == day.truth.total(day.date) + (
        day.truth.total(NEXT_DAY)
    )
    s3, bucket = aws["s3"], aws["bucket"]
    (archive,) = list_keys(s3, bucket, "archive/")
    assert archive.startswith(f"archive/dt={day.date}/") and "/mixed/" in archive  # both log groups
    body = s3.get_object(Bucket=bucket, Key=archive)["Body"].read()
    assert body == archive_body(day.payloads)  # every payload byte-identical, in delivery order
    (first,) = list_keys(s3, bucket, f"aggregates/dt={day.date}/")
    (second,) = list_keys(s3, bucket, f"aggregates/dt={NEXT_DAY}/")
    bundle = aggregate.decode(s3.get_object(Bucket=bucket, Key=first)["Body"].read())
    assert (bundle["batches"], bundle["archive"]) == (len(day.payloads), archive)
    assert aggregate.decode(s3.get_object(Bucket=bucket, Key=second)["Body"].read())["batches"] == 1
    for date in (day.date, NEXT_DAY):
        assert_exact(s3, bucket, day.truth, date)


def test_redelivery_overwrites_and_regrouping_counts_every_batch_once(aws: dict[str, Any]) -> None:
    day = generate_day(seed=42, events=2_400, largest=300)
    records, s3, bucket = day.payloads, aws["s3"], aws["bucket"]
    lambda_handler(kinesis_event(records), None)
    first = snapshot(s3, bucket, "archive/", "aggregates/")
    lambda_handler(kinesis_event(records), None)  # a redelivery of the same event
    assert snapshot(s3, bucket, "archive/", "aggregates/") == first
    third = len(records) // 3
    lambda_handler(kinesis_event(records[: 2 * third]), None)  # an ESM retry regrouped the records
    lambda_handler(kinesis_event(records[third:]), None)
    assert len(list_keys(s3, bucket, "archive/")) == 3
    for date in (day.date, NEXT_DAY):
        assert_exact(s3, bucket, day.truth, date)
    from datetime import date as Date

    merged = merge_day(PartialSource(bucket, s3), Date.fromisoformat(day.date))
    assert merged.deduper is not None
    assert merged.batches == len(records)  # every batch once, though three bundles name them
    assert merged.deduper.duplicates + merged.deduper.rebuilt == 2  # the 2nd and 3rd bundles read


def test_a_regrouped_overlap_is_rebuilt_from_the_archive(aws: dict[str, Any]) -> None:
    day = generate_day(seed=43, events=1_200, largest=200, cross_midnight=False)
    records, s3, bucket = day.payloads, aws["s3"], aws["bucket"]
    third = len(records) // 3
    lambda_handler(kinesis_event(records[: 2 * third]), None)
    lambda_handler(kinesis_event(records[third:]), None)  # overlaps the first by a third
    from datetime import date as Date

    merged = merge_day(PartialSource(bucket, s3), Date.fromisoformat(day.date))
    assert merged.deduper is not None and merged.deduper.rebuilt == 1  # whichever came second
    assert merged.batches == len(records)
    assert_exact(s3, bucket, day.truth, day.date)


def test_a_poison_record_is_quarantined_and_the_rest_processed(aws: dict[str, Any]) -> None:
    day = generate_day(seed=44, events=400, largest=100, cross_midnight=False)
    event = kinesis_event(day.payloads)
    event["Records"].insert(1, {"kinesis": {"data": "not base64 at all!"}, "eventID": "shardId-0:poison-1"})
    poison = base64.b64encode(gzip.compress(b"{not json", mtime=0)).decode()
    event["Records"].append({"kinesis": {"data": poison}, "eventID": "shardId-0:poison-2"})
    result = lambda_handler(event, None)
    assert (result["processed"], result["quarantined"], result["skipped"]) == (len(day.payloads), 2, 0)
    s3, bucket = aws["s3"], aws["bucket"]
    assert len(list_keys(s3, bucket, "quarantine/")) == 4  # .bin + .json for each
    (archive,) = list_keys(s3, bucket, "archive/")
    assert s3.get_object(Bucket=bucket, Key=archive)["Body"].read() == archive_body(day.payloads)
    assert_exact(s3, bucket, day.truth, day.date)


@pytest.fixture
def other_bucket(aws: dict[str, Any]) -> str:
    name = aws["bucket"] + "-copy"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def test_replay_of_a_multi_batch_archive_object_recreates_the_objects(
    aws: dict[str, Any], other_bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    day = generate_day(seed=45, events=1_500, largest=200)
    s3, bucket = aws["s3"], aws["bucket"]
    lambda_handler(kinesis_event(day.payloads), None)
    live = snapshot(s3, bucket, "archive/", "aggregates/")
    (archive,) = [key for key in live if key.startswith("archive/")]
    assert len(list(split_members(live[archive]))) == len(day.payloads)

    assert main(["replay", f"s3://{bucket}/archive/", "--bucket", other_bucket]) == 0, capsys.readouterr()
    assert snapshot(s3, other_bucket, "archive/", "aggregates/") == live  # same keys, same bytes

    for key in list_keys(s3, bucket, "aggregates/"):
        s3.delete_object(Bucket=bucket, Key=key)
    assert main(["replay", f"s3://{bucket}/archive/", "--workers", "1"]) == 0, capsys.readouterr()
    assert snapshot(s3, bucket, "archive/", "aggregates/") == live  # in place: bundles back
