"""Hourly rollups against moto's server: rollups + the daily job == merging every partial.

Each scenario ends with the same two checks: the report equals the generator's ground truth, and
it is byte-identical (everything but generated_at) to the report built with every rollup deleted,
i.e. from the partials read directly; a regenerated identical report keeps its revision.
"""

from __future__ import annotations

from typing import Any

import boto3
import orjson
import pytest

from daily_report.days import parse_day
from daily_report.rollup import lambda_handler
from daily_report.rollup.roller import Roller, RollupError, event_hours
from daily_report.source.hourly import plan_day
from daily_report.source.reader import PartialSource
from daily_report.source.rollup_doc import PartialObject
from tests.support.aws import list_keys
from tests.support.generated_day import NEXT_DAY, Day, generate_day
from tests.support.lambda_delivery import ATTEMPTS, Delivery, make_queue, proxied, queue_depth
from tests.support.readers import report_counts
from tests.support.rollup_kit import content, direct_report, report, roll_up, rollup_doc, stream

DATE = "2025-11-26"


@pytest.fixture(scope="module")
def day() -> Day:
    return generate_day(seed=21, events=0, sizes=[5, 1, 300, 40, 2, 120, 9, 60, 1, 33, 800, 14, 3, 70, 25, 7])


def _exact(aws: dict[str, Any], day: Day, date: str = DATE) -> dict[str, Any]:
    """The report is the truth, and the same as without rollups (same revision: nothing changed)."""
    rolled = report(aws, date)
    assert report_counts(rolled) == day.truth.days[date]
    assert rolled["partials"] == len(list_keys(aws["s3"], aws["bucket"], f"aggregates/dt={date}/"))
    direct = direct_report(aws, date)
    assert content(direct) == content(rolled)
    assert direct["revision"] == rolled["revision"]
    return rolled


def test_rollups_with_late_partials_and_a_batch_crossing_midnight(aws: dict[str, Any], day: Day) -> None:
    events = day.lambda_events()
    stream(aws, events[:-5])
    result = roll_up(date=DATE)
    assert [h["status"] for h in result["hours"]] == ["written"] * 24
    assert sum(h["objects"] for h in result["hours"]) == len(
        list_keys(aws["s3"], aws["bucket"], "aggregates/")
    )
    covered = len(list_keys(aws["s3"], aws["bucket"], f"aggregates/dt={DATE}/"))
    stream(aws, events[-5:])  # late: written after their hour's rollup (the last one crosses midnight)
    late = len(list_keys(aws["s3"], aws["bucket"], f"aggregates/dt={DATE}/")) - covered
    plan = plan_day(PartialSource(aws["bucket"], aws["s3"]), parse_day(DATE))
    assert len(plan.rolled_up()) == 24 and plan.reads == late == 5  # only the late partials are read
    _exact(aws, day)
    roll_up(date=NEXT_DAY)
    assert report_counts(report(aws, NEXT_DAY)) == day.truth.days[NEXT_DAY]


def test_rerun_is_idempotent_and_incremental_equals_rebuilt(aws: dict[str, Any], day: Day) -> None:
    events = day.lambda_events()
    stream(aws, events[:-5])
    roll_up(date=DATE)
    keys = list_keys(aws["s3"], aws["bucket"], "rollups/")
    before = {key: aws["s3"].head_object(Bucket=aws["bucket"], Key=key)["LastModified"] for key in keys}
    again = roll_up(date=DATE)
    assert {h["status"] for h in again["hours"]} == {"unchanged"}
    assert all(
        aws["s3"].head_object(Bucket=aws["bucket"], Key=k)["LastModified"] == t for k, t in before.items()
    )
    stream(aws, events[-5:])
    extended = roll_up(date=DATE)
    assert sum(h["fetched"] for h in extended["hours"]) == 5
    incremental = {key: rollup_doc(aws, key) for key in keys}
    for key in keys:
        aws["s3"].delete_object(Bucket=aws["bucket"], Key=key)
    roll_up(date=DATE)
    assert {key: rollup_doc(aws, key) for key in keys} == incremental  # determinism: same bytes either way
    _exact(aws, day)


def test_replay_after_rollup_same_and_different_content(aws: dict[str, Any], day: Day) -> None:
    events = day.lambda_events()
    stream(aws, events)
    roll_up(date=DATE)
    stream(aws, events)  # replay, same rules: same bytes, same ETags, still covered
    source = PartialSource(aws["bucket"], aws["s3"])
    assert plan_day(source, parse_day(DATE)).reads == 0
    _exact(aws, day)
    roll_up(date=DATE)
    # replay under other rules: ERROR texts redact differently, so a covered partial changes
    config = orjson.loads(boto3.client("ssm").get_parameter(Name=aws["parameter"])["Parameter"]["Value"])
    config["Redaction"] = {"ExtraPatterns": ["payment|database"]}
    boto3.client("ssm").put_parameter(
        Name=aws["parameter"], Value=orjson.dumps(config).decode(), Overwrite=True
    )
    from aws_lambda_powertools.utilities import parameters

    from stream_processor import handler

    parameters.clear_caches()
    handler._ingest.cache_clear()
    stream(aws, events[2:3])  # the 300-event batch: it has ERROR lines
    plan = plan_day(source, parse_day(DATE))
    assert len(plan.rolled_up()) == 23  # its hour's rollup is stale: read from the partials
    _exact(aws, day)
    rebuilt = roll_up(date=DATE)
    assert [h["status"] for h in rebuilt["hours"]].count("written") == 1
    assert plan_day(source, parse_day(DATE)).reads == 0
    _exact(aws, day)


def test_fault_during_a_rollup_run_loses_and_double_counts_nothing(aws: dict[str, Any], day: Day) -> None:
    stream(aws, day.lambda_events())
    with proxied(aws) as proxy:
        proxy.inject(f"s3:PutObject:rollups/dt={DATE}/hour=12", "error")
        sqs, queue = make_queue()
        deliver = Delivery(lambda_handler, sqs, queue)
        assert not deliver({"date": DATE})  # every attempt stops at hour 12: on to the failure queue
        assert len(deliver.failures) == ATTEMPTS and queue_depth(sqs, queue) == 1
        assert len(list_keys(aws["s3"], aws["bucket"], "rollups/")) == 12
        rolled = report(aws, DATE)  # hours 00-11 from rollups, 12-23 from partials
        assert report_counts(rolled) == day.truth.days[DATE]
        proxy.clear()
        proxy.inject("s3:GetObject:aggregates", "any", times=4, rate=0.3)
        assert Delivery(lambda_handler)({"date": DATE})  # transient faults: absorbed by retries
        assert proxy.count("s3:GetObject:aggregates", faults=True) == 4
    assert len(list_keys(aws["s3"], aws["bucket"], "rollups/")) == 24
    _exact(aws, day)


def test_partial_rewritten_during_a_rollup_fails_the_run(aws: dict[str, Any], day: Day) -> None:
    stream(aws, day.lambda_events()[:3])
    (key, *_) = list_keys(aws["s3"], aws["bucket"], "aggregates/")
    roller = Roller(PartialSource(aws["bucket"], aws["s3"]))
    listed = PartialObject(
        key, aws["s3"].head_object(Bucket=aws["bucket"], Key=key)["LastModified"], "0" * 32
    )
    with pytest.raises(RollupError, match="rewritten during the rollup"):
        roller.fetch_exact(listed)


def test_scheduled_event_rolls_up_the_hour_before_the_previous_one(aws: dict[str, Any], day: Day) -> None:
    stream(aws, day.lambda_events())
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "time": "2025-11-27T01:05:00Z"}
    assert event_hours(scheduled) == [(parse_day(DATE), 23)]
    (hour,) = lambda_handler(scheduled, None)["hours"]
    assert hour["hour"] == f"{DATE}T23" and hour["status"] == "written"
    assert list_keys(aws["s3"], aws["bucket"], "rollups/") == [f"rollups/dt={DATE}/hour=23.json"]
    head = aws["s3"].head_object(Bucket=aws["bucket"], Key=f"rollups/dt={DATE}/hour=23.json")
    assert head["ServerSideEncryption"] == "AES256"
    catch_up = {"time": f"{DATE}T05:15:00Z", "hours_back": 0}  # what CatchUpRollupSchedule sends
    (hour,) = lambda_handler(catch_up, None)["hours"]
    assert hour["hour"] == f"{DATE}T05" and hour["status"] == "written"


def test_cli_rolls_up_a_day_and_an_hour_with_progress(
    aws: dict[str, Any], day: Day, capsys: pytest.CaptureFixture[str]
) -> None:
    from stream_processor.cli import main

    stream(aws, day.lambda_events())
    assert main(["rollup", "--hour", f"{DATE}T05"]) == 0
    assert main(["rollup", "--date", DATE]) == 0
    err = capsys.readouterr().err
    assert f"[1/1] {DATE}T05 written" in err
    assert f"[24/24] {DATE}T23 " in err and f"{DATE}T05 unchanged" in err
    assert main(["rollup", "--hour", "2025-11-26T24"]) == 2
    _exact(aws, day)
