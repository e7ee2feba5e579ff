"""Owner accounts and regions through the stream processor and the daily report, against moto's
server over HTTP: a Kinesis invocation carrying two accounts' `/admin/logs` reports them apart, and
a partial written before the aggregate counted accounts (schema 2) still merges into the day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest

from daily_report.handler import lambda_handler as report_handler
from stream_processor import aggregate
from stream_processor import handler as processor
from stream_processor.config import clear_caches
from tests.support.aws import list_keys
from tests.support.builders import ADMIN, compress, envelope, kinesis_event, log_event
from tests.support.readers import read_report, report_documents

FIRST, SECOND = "111111111111", "222222222222"
REGION = "eu-west-3"
DAY = datetime.now(UTC).date() - timedelta(days=3)


@pytest.fixture
def regional(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The `aws` fixture, with the functions running in REGION (Lambda sets AWS_REGION)."""
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)
    clear_caches()
    processor._ingest.cache_clear()
    yield aws
    processor._ingest.cache_clear()


def _payload(owner: str, day: date, count: int, errors: int = 0, stream: str = "i-1") -> bytes:
    start = int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000) + 5 * 3_600_000
    lines = [f"ERROR failed {i}" for i in range(errors)] + [f"INFO ok {i}" for i in range(count - errors)]
    events = [log_event(text, start + i) for i, text in enumerate(lines)]
    return compress(envelope(events, log_group=ADMIN, log_stream=stream, owner=owner))


def test_two_accounts_admin_logs_are_reported_apart(regional: dict[str, Any]) -> None:
    processor.lambda_handler(
        kinesis_event(
            [_payload(FIRST, DAY, 5, errors=1), _payload(SECOND, DAY, 3), _payload(FIRST, DAY, 2, 0, "i-2")]
        ),
        None,
    )
    report_handler({"date": DAY.isoformat()}, None)
    report = read_report(regional["s3"], regional["bucket"], DAY.isoformat())
    assert report["log_groups"][ADMIN]["events"] == 10
    first, second = report["accounts"][FIRST], report["accounts"][SECOND]
    assert (first["events"], first["errors"], first["batches"]) == (7, 1, 2)
    assert (second["events"], second["errors"], second["batches"]) == (3, 0, 1)
    assert first["log_groups"] == {ADMIN: {"events": 7, "errors": 1, "security_events": 0}}
    assert second["log_groups"] == {ADMIN: {"events": 3, "errors": 0, "security_events": 0}}
    assert list(report["regions"]) == [REGION] and report["regions"][REGION]["events"] == 10
    text = report_documents(regional["s3"], regional["bucket"], DAY.isoformat())["log_review.gz"]
    section = text.split("\nACCOUNTS AND REGIONS\n")[1].split("\n\n")[0].splitlines()
    assert section[1].split() == [
        "account",
        "events",
        "errors",
        "err",
        "rate",
        "security",
        "batches",
        "log",
        "groups",
    ]
    assert section[2].split() == [FIRST, "7", "1", "14.29", "%", "0", "2", ADMIN, "7"]
    assert section[3].split() == [SECOND, "3", "0", "0.00", "%", "0", "1", ADMIN, "3"]
    assert len(section) == 4  # one region: no region table


def test_a_partial_of_the_old_schema_still_merges_into_the_day(regional: dict[str, Any]) -> None:
    day = DAY - timedelta(days=1)
    processor.lambda_handler(kinesis_event([_payload(FIRST, day, 4)]), None)
    (key,) = list_keys(regional["s3"], regional["bucket"], f"aggregates/dt={day.isoformat()}/")
    new = aggregate.decode(regional["s3"].get_object(Bucket=regional["bucket"], Key=key)["Body"].read())
    old = orjson.loads(orjson.dumps(new))
    old.update(schema=2, batch_ids=["0" * 32])
    del old["origins"]
    for window in old["windows"][ADMIN].values():
        window["events"] += 6  # what the old writer saw; it did not count per account
    regional["s3"].put_object(
        Bucket=regional["bucket"], Key=key.replace(".json", "-old.json"), Body=orjson.dumps(old)
    )
    report_handler({"date": day.isoformat()}, None)
    report = read_report(regional["s3"], regional["bucket"], day.isoformat())
    assert report["log_groups"][ADMIN]["events"] == 4 + 10
    assert report["accounts"][FIRST]["events"] == 4  # the old partial counts in totals, not per account
    assert (
        "ACCOUNTS AND REGIONS"
        not in report_documents(regional["s3"], regional["bucket"], day.isoformat())["log_review.gz"]
    )


def test_another_accounts_group_is_a_row_of_its_own_when_the_home_account_is_known(
    regional: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME_ACCOUNT_ID", FIRST)  # what template.yaml sets to the stack's account
    clear_caches()
    day = DAY - timedelta(days=2)
    processor.lambda_handler(
        kinesis_event([_payload(FIRST, day, 5, errors=1), _payload(SECOND, day, 3)]), None
    )
    emitted = [orjson.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert {doc["LogGroup"] for doc in emitted if "LogGroup" in doc} == {ADMIN, f"{SECOND}:{ADMIN}"}
    report_handler({"date": day.isoformat()}, None)
    report = read_report(regional["s3"], regional["bucket"], day.isoformat())
    rows = report["log_groups"]
    assert (rows[ADMIN]["events"], rows[ADMIN]["errors"]) == (5, 1)
    assert (rows[f"{SECOND}:{ADMIN}"]["events"], rows[f"{SECOND}:{ADMIN}"]["errors"]) == (3, 0)
    assert report["accounts"][SECOND]["log_groups"] == {
        ADMIN: {"events": 3, "errors": 0, "security_events": 0}
    }
    assert (
        f"{SECOND}:{ADMIN}"
        in report_documents(regional["s3"], regional["bucket"], day.isoformat())["log_review.gz"]
    )
