"""Daily report runs over moto's server: late data and revisions, an empty day, the CLI."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest

from daily_report.handler import lambda_handler as report_handler
from stream_processor.cli import main
from stream_processor.handler import lambda_handler as stream_handler
from tests.support.builders import ADMIN, OPERATOR, compress, envelope, log_event, subscription_event


def _day_ms(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000)


def _stream(day: date, messages: list[str], hour: int = 10, group: str = ADMIN) -> None:
    start = _day_ms(day) + hour * 3_600_000
    events = [log_event(message, start + i) for i, message in enumerate(messages)]
    stream_handler(subscription_event(compress(envelope(events, log_group=group))), None)


def _json_report(aws: dict[str, Any], day: date) -> dict[str, Any]:
    key = f"reports/{day:%Y/%m/%d}/log_review.json.gz"
    return orjson.loads(gzip.decompress(aws["s3"].get_object(Bucket=aws["bucket"], Key=key)["Body"].read()))


@pytest.fixture(autouse=True)
def _no_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)


def test_late_partial_revises_the_report_on_the_next_run(aws: dict[str, Any]) -> None:
    day = datetime.now(UTC).date() - timedelta(days=2)
    _stream(day, ["INFO one", "ERROR two"])
    first = report_handler({"date": day.isoformat()}, None)
    assert (first["revision"], first["totals"]["events"]) == (1, 2)
    again = report_handler({"date": day.isoformat()}, None)
    assert (again["revision"], again["changed"]) == (1, False)  # nothing new: same revision
    _stream(
        day, ["WARN late", "ERROR late", "INFO late"], hour=23, group=OPERATOR
    )  # arrives after the report
    next_day = report_handler({"date": (day + timedelta(days=1)).isoformat()}, None)
    assert next_day["regenerated"] == [{"date": day.isoformat(), "revision": 2, "changed": True}]
    revised = _json_report(aws, day)
    assert revised["revision"] == 2 and revised["totals"]["events"] == 5 and revised["partials"] == 2
    assert revised["late_data"] == {"since_revision": 1, "partials": 1}
    assert revised["log_groups"][OPERATOR]["hourly"][23] == {"events": 3, "errors": 1}
    regenerated = report_handler({"date": day.isoformat()}, None)  # e.g. after a replay: same partials
    assert (regenerated["revision"], regenerated["changed"]) == (2, False)
    unchanged = _json_report(aws, day)
    assert {**unchanged, "generated_at": ""} == {**revised, "generated_at": ""}


def test_empty_day_produces_a_report_with_silent_alerts(aws: dict[str, Any]) -> None:
    summary = report_handler({"date": "2026-01-01"}, None)
    assert summary["totals"]["events"] == 0 and summary["alerts"] == 2
    report = _json_report(aws, date(2026, 1, 1))
    assert [(a["rule"], a["log_group"], a["value"]) for a in report["alerts"]] == [
        ("silent_hours", ADMIN, 24),
        ("silent_hours", OPERATOR, 24),
    ]
    text = gzip.decompress(aws["s3"].get_object(Bucket=aws["bucket"], Key=summary["keys"][0])["Body"].read())
    assert b"no events" in text


def test_cli_prints_the_report_and_where_it_is(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    day = date(2026, 2, 10)
    _stream(day, ["ERROR disk full on /dev/xvda1", "INFO fine latency=12 ms"])
    assert main(["report", "--date", day.isoformat(), "--bucket", aws["bucket"]]) == 0
    out = capsys.readouterr().out
    assert "logreview daily review: 2026-02-10 (UTC), revision 1" in out
    assert "disk full on /dev/xvda<*>" in out
    for name in ("log_review.gz", "log_review.json.gz", "log_review.html"):
        assert f"s3://{aws['bucket']}/reports/2026/02/10/{name}" in out
    assert main(["report", "--from", "2026-02-09", "--to", "2026-02-11", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["[1/3]", "2026-02-09"],
        ["[2/3]", "2026-02-10"],
        ["[3/3]", "2026-02-11"],
    ]
    assert "revision 1 (unchanged)" in lines[1] and "events 2" in lines[1]
    assert main(["report", "--date", "2026-02-30"]) == 2
    assert "not a date" in capsys.readouterr().err
    assert (
        main(["report", "--date", "2026-02-10", "--bucket", "no-such-bucket-here"]) == 3
    )  # an AWS call failed (documented exit codes)
    assert "AWS call failed" in capsys.readouterr().err
