"""The report's "suppressed by exception" counts against moto's server: the day streamed live with
its brute-force batch delivered twice, an exception in the SSM document, the report run twice; the
counts equal the events covered, once each, and a regeneration keeps them and the revision."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime
from typing import Any

import pytest

from daily_report.handler import lambda_handler as report_handler
from stream_processor.handler import lambda_handler as stream_handler
from tests.integration.alerts.test_alerts import configure
from tests.support.builders import ADMIN, brute_force, compress, envelope, subscription_event, syslog

DAY = date(2026, 9, 14)
T0 = int(datetime(2026, 9, 14, 3, 17, tzinfo=UTC).timestamp() * 1000)
EXCEPTIONS = [
    {"Rule": "auth_failure", "Cidr": "203.0.113.0/24", "Reason": "penetration test", "Ticket": "SEC-1234",
     "Owner": "secops@example.com", "Expires": "2026-12-31"},
    {"Rule": "sudo_to_root", "Principal": "deploy", "Reason": "release job", "Ticket": "OPS-88",
     "Owner": "platform@example.com", "Expires": "2026-09-14T06:00:00Z"},
]  # fmt: skip


def batches() -> tuple[bytes, bytes]:
    brute = brute_force(T0, 56)
    sudo = "sudo:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/id"
    later = [syslog(T0 + 250_000, sudo), syslog(T0 + 13_380_000, sudo)]  # 03:21:10 and 07:00:00
    return compress(envelope(brute, log_group=ADMIN)), compress(envelope(later, log_group=ADMIN))


def report(aws: dict[str, Any]) -> dict[str, Any]:
    report_handler({"date": DAY.isoformat()}, None)
    key = f"reports/{DAY:%Y/%m/%d}/log_review.json.gz"
    import orjson

    return orjson.loads(gzip.decompress(aws["s3"].get_object(Bucket=aws["bucket"], Key=key)["Body"].read()))


def test_suppressed_counts_are_exact_under_redelivery_and_regeneration(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)
    configure(aws, Alerts={"Exceptions": EXCEPTIONS})
    brute, sudo = batches()
    for raw in (brute, sudo, brute):  # the brute-force batch is delivered twice
        stream_handler(subscription_event(raw), None)
    first = report(aws)
    pentest, release = first["exceptions"]
    assert (pentest["count"], pentest["status"]) == (56, "active")
    assert (release["count"], release["status"]) == (1, "expired")  # the 07:00 sudo came after 06:00
    assert [e["kind"] for e in first["needs_attention"]].count("exception_expired") == 1
    again = report(aws)
    assert again["exceptions"] == first["exceptions"] and again["revision"] == first["revision"]
    text = gzip.decompress(
        aws["s3"].get_object(Bucket=aws["bucket"], Key=f"reports/{DAY:%Y/%m/%d}/log_review.gz")["Body"].read()
    ).decode()
    assert (
        "auth_failure [cidr=203.0.113.0/24]: 56 events suppressed; active until 2027-01-01 00:00:00" in text
    )
