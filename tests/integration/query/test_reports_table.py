"""The Glue table `reports` read by DuckDB over the object the daily report really wrote (moto over
HTTP): its one-line companion holds the whole report, the table's declared columns bind to it, and
the canned `reports` query counts the day's alerts and incidents as the JSON report does."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from daily_report import handler as report_handler
from daily_report.publish import report_keys, rows_key
from daily_report.query import canned
from stream_processor import handler as processor
from tests.support.athena_local import open_reports
from tests.support.athena_local import run as local_run
from tests.support.aws import list_keys
from tests.support.builders import (
    brute_force,
    compress,
    envelope,
    generated_day,
    labelled_batches,
    subscription_event,
    syslog,
)

DAY = date(2026, 11, 20)


@pytest.fixture
def reported(aws: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """A processed and reported day; its rows object downloaded under its key into tmp_path."""
    for payload in labelled_batches(generated_day(DAY.isoformat(), per_hour=4)):
        processor.lambda_handler(subscription_event(payload), None)
    start = 1_795_150_800_000  # 05:00: 30 failed passwords, then one accepted: an incident
    burst = [
        *brute_force(start, 30),
        syslog(start + 40_000, "sshd[9]: Accepted password for deploy from 203.0.113.45 port 9 ssh2"),
    ]
    processor.lambda_handler(subscription_event(compress(envelope(burst))), None)
    report_handler.lambda_handler({"date": DAY.isoformat()}, None)
    s3, bucket = aws["s3"], aws["bucket"]
    found = s3.get_object(Bucket=bucket, Key=rows_key(DAY))
    body = found["Body"].read()
    path = tmp_path / rows_key(DAY)
    path.parent.mkdir(parents=True)
    path.write_bytes(body)
    report = orjson.loads(
        gzip.decompress(s3.get_object(Bucket=bucket, Key=report_keys(DAY)[1])["Body"].read())
    )
    return {**aws, "head": found, "body": body, "report": report, "dir": tmp_path}


def test_the_companion_is_the_report_on_one_line_alone_under_its_prefix(reported: dict[str, Any]) -> None:
    lines = gzip.decompress(reported["body"]).split(b"\n")
    assert lines[1:] == [b""] and orjson.loads(lines[0]) == reported["report"]
    assert reported["head"]["ServerSideEncryption"] == "AES256"
    assert reported["head"]["ContentEncoding"] == "gzip"
    assert reported["head"]["Metadata"]["revision"] == str(reported["report"]["revision"])
    prefix = rows_key(DAY).rsplit("/", 1)[0] + "/"
    assert list_keys(reported["s3"], reported["bucket"], prefix) == [rows_key(DAY)]  # Athena reads it alone


def test_the_tables_columns_read_the_companion(reported: dict[str, Any]) -> None:
    con = open_reports(reported["dir"])
    found = con.execute("SELECT * FROM reports")
    (row,) = [dict(zip([d[0] for d in found.description], r, strict=True)) for r in found.fetchall()]
    report = reported["report"]
    assert row["day"] == f"{DAY:%Y/%m/%d}"
    assert (row["date"], row["revision"], row["schema"]) == (
        report["date"],
        report["revision"],
        report["schema"],
    )
    assert row["totals"] == {k: report["totals"][k] for k in row["totals"]}
    assert len(row["alerts"]) == len(report["alerts"]) > 0
    assert [a["rule"] for a in row["alerts"]] == [a["rule"] for a in report["alerts"]]
    assert [(i["id"], i["severity"]) for i in row["incidents"]] == [
        (i["id"], i["severity"]) for i in report["incidents"]
    ]
    assert report["incidents"]
    assert row["silent_log_groups"] == report["silent_log_groups"]


def test_the_canned_reports_query_counts_alerts_and_incidents_per_day(reported: dict[str, Any]) -> None:
    con = open_reports(reported["dir"])
    report = reported["report"]
    names, rows = local_run(con, canned.reports(canned.window("2026-11-19", "2026-11-21"), ""))
    assert names == [
        "date", "revision", "events", "errors", "security_events", "alerts", "incidents", "high_incidents"
    ]  # fmt: skip
    high = sum(i["severity"] == "high" for i in report["incidents"])
    totals = report["totals"]
    assert rows == [
        (report["date"], report["revision"], totals["events"], totals["errors"], totals["security_events"],
         len(report["alerts"]), len(report["incidents"]), high)
    ]  # fmt: skip
    assert local_run(con, canned.reports(canned.window("2026-11-21", "2026-11-22"), ""))[1] == []
