"""SQL over history in template.yaml: the archive table's partition projection is the layout the
code writes (derived from `archive_key`), its columns read the objects the code writes (DuckDB
with the same columns), the Athena workgroup's results are encrypted as the bucket demands and
expire, the query policy reaches nothing else, and the named queries are the CLI's canned ones."""

from __future__ import annotations

import gzip
import random
import re
import shlex
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from cfnlint.decode.cfn_yaml import load
from hypothesis import given
from hypothesis import strategies as st

from daily_report.publish import rows_key
from daily_report.query import canned
from daily_report.query import cli as query_cli
from stream_processor.cli import build_parser
from stream_processor.decode import decode_payload
from stream_processor.demo import messages
from stream_processor.sinks import archive_body, archive_key
from tests.support.athena_local import dialect, open_archive
from tests.support.athena_local import run as local_run
from tests.support.builders import compress, envelope, log_event
from tests.unit.template.test_template import (
    BUCKET,
    TEMPLATE_PATH,
    as_list,
    defaults,
    resolve,
    statements,
)

NOON = 1_764_158_400_000  # 2025-11-26T12:00:00Z
JAVA_TO_STRFTIME = {"yyyy": "%Y", "MM": "%m", "dd": "%d"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return dict(load(str(TEMPLATE_PATH)))


@pytest.fixture(scope="module")
def values(template: dict[str, Any]) -> dict[str, Any]:
    return defaults(template)


@pytest.fixture(scope="module")
def table(template: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return dict(resolve(template["Resources"]["ArchiveTable"]["Properties"]["TableInput"], values))


@pytest.fixture(scope="module")
def reports_table(template: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return dict(resolve(template["Resources"]["ReportsTable"]["Properties"]["TableInput"], values))


def _key(timestamp: int, group: str = "/admin/logs") -> str:
    batch = decode_payload(compress(envelope([log_event("INFO x", timestamp)], log_group=group)))
    return archive_key([batch], "0123abcd")


def test_projection_template_is_the_key_layout_the_code_writes(table: dict[str, Any]) -> None:
    """The location template, derived from the code: a key written for 2031-07-09 13:xx with its
    day and hour replaced by the placeholders, cut after the hour."""
    key = _key(int(datetime(2031, 7, 9, 13, 5, tzinfo=UTC).timestamp() * 1000))
    derived = key.replace("2031-07-09", "${dt}", 1).replace("=13/", "=${hour}/", 1)
    derived = derived[: derived.index("${hour}/") + len("${hour}/")]
    params = table["Parameters"]
    assert params["storage.location.template"] == f"s3://{BUCKET}/{derived}"
    assert table["StorageDescriptor"]["Location"] == f"s3://{BUCKET}/{derived.split('dt=')[0]}"
    assert [k["Name"] for k in table["PartitionKeys"]] == re.findall(r"\$\{(\w+)\}", derived)
    assert params["projection.enabled"] == "true"


@given(st.integers(datetime(2020, 1, 1, tzinfo=UTC).timestamp() * 1000, 4_102_444_799_999))
def test_every_key_the_code_writes_is_a_projected_partition(table: dict[str, Any], timestamp: int) -> None:
    """dt formatted with the projection's date format and hour among its values: the partition
    Athena computes for the event's day and hour is the prefix of the key the code wrote."""
    params = table["Parameters"]
    assert params["projection.dt.type"] == "date" and params["projection.dt.interval.unit"] == "DAYS"
    fmt = params["projection.dt.format"]
    for java, strftime in JAVA_TO_STRFTIME.items():
        fmt = fmt.replace(java, strftime)
    moment = datetime.fromtimestamp(timestamp / 1000, UTC)
    start = datetime.strptime(params["projection.dt.range"].split(",")[0], fmt).replace(tzinfo=UTC)
    assert moment >= start
    hours = params["projection.hour.values"].split(",")
    assert params["projection.hour.type"] == "enum" and len(hours) == 24
    hour = f"{moment.hour:02d}"
    assert hour in hours
    location = params["storage.location.template"].replace("${dt}", moment.strftime(fmt))
    assert f"s3://{BUCKET}/{_key(timestamp)}".startswith(location.replace("${hour}", hour))


def test_reports_projection_is_the_key_layout_the_code_writes(reports_table: dict[str, Any]) -> None:
    """Derived from `rows_key`: the key of 2031-07-09 with the day replaced by the placeholder, cut
    after its folder; the companion must be the only object there (Athena reads them all)."""
    key = rows_key(date(2031, 7, 9))
    derived = key.replace("2031/07/09", "${day}", 1).rsplit("/", 1)[0] + "/"
    params = reports_table["Parameters"]
    assert params["storage.location.template"] == f"s3://{BUCKET}/{derived}"
    assert [k["Name"] for k in reports_table["PartitionKeys"]] == re.findall(r"\$\{(\w+)\}", derived)
    assert params["projection.enabled"] == "true" and params["projection.day.type"] == "date"
    assert params["projection.day.interval"] == "1" and params["projection.day.interval.unit"] == "DAYS"
    assert reports_table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("JsonSerDe")


@given(st.dates(date(2020, 1, 1), date(2099, 12, 31)))
def test_every_report_day_is_a_projected_partition(reports_table: dict[str, Any], day: date) -> None:
    """The day formatted with the projection's format, inside its range, locates the key written."""
    params = reports_table["Parameters"]
    fmt = params["projection.day.format"]
    for java, strftime in JAVA_TO_STRFTIME.items():
        fmt = fmt.replace(java, strftime)
    start, end = params["projection.day.range"].split(",")
    assert end == "NOW" and datetime.strptime(start, fmt).date() <= day
    location = params["storage.location.template"].replace("${day}", day.strftime(fmt))
    assert f"s3://{BUCKET}/{rows_key(day)}".rsplit("/", 1)[0] + "/" == location


def test_the_columns_read_the_objects_the_code_writes(table: dict[str, Any], tmp_path: Path) -> None:
    """DuckDB reads two archive objects the code wrote (a Kinesis-mode one with two payloads and a
    Direct one) as newline-delimited JSON with the table's columns and its hive partitions.

    The OpenX SerDe matches keys case-insensitively; DuckDB does not, so each column is bound to
    the one envelope key that equals it ignoring case (which the test also checks)."""
    storage = table["StorageDescriptor"]
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert storage["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    docs = [
        envelope([log_event("sudo:  alice : COMMAND=/bin/ls\nsecond line", NOON)], owner="111111111111"),
        envelope([log_event("a", NOON + 1), log_event("b", NOON + 2)], log_group="/operator/logs"),
        envelope([log_event("Accepted password for bob from 203.0.113.7", NOON + 3)]),
    ]
    for chunk in (docs[:2], docs[2:]):
        payloads = [gzip.compress(orjson.dumps(doc), mtime=0) for doc in chunk]
        batches = [decode_payload(p) for p in payloads]
        path = tmp_path / archive_key(batches, batches[0].batch_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(archive_body(payloads))
    con = open_archive(tmp_path, table)
    found = con.execute("SELECT *, hour AS h FROM archive ORDER BY logEvents[1].timestamp")
    rows = [dict(zip([d[0] for d in found.description], row, strict=True)) for row in found.fetchall()]
    assert len(table["StorageDescriptor"]["Columns"]) == len(docs[0])  # every key has its column
    assert [{k: row[k] for k in docs[0]} for row in rows] == docs
    assert {(row["dt"], row["h"]) for row in rows} == {("2025-11-26", "12")}


def _write(directory: Path, items: list[tuple[str, dict[str, Any]]], group: str) -> None:
    """Items (stream, event) as one Kinesis-mode archive object: an envelope per stream."""
    streams: dict[str, list[dict[str, Any]]] = {}
    for stream, event in items:
        streams.setdefault(stream, []).append(log_event(event["message"], event["timestamp"]))
    payloads = [compress(envelope(events, log_group=group, log_stream=s)) for s, events in streams.items()]
    batches = [decode_payload(p) for p in payloads]
    path = directory / archive_key(batches, batches[0].batch_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(archive_body(payloads))


def test_canned_queries_find_the_demo_story_in_objects_the_code_wrote(
    table: dict[str, Any], tmp_path: Path
) -> None:
    """The demo's password guessing (56 failures, one success, then sudo) as archive objects:
    each canned query, in DuckDB's dialect (two function names), finds exactly its part."""
    attacker = "198.51.100.23"
    story = messages.failed_login_burst(random.Random(7), NOON, attacker)
    _write(tmp_path, story, "/admin/logs")
    noise = [
        ("app/operator", {"timestamp": NOON + i, "message": f"GET /api/cart 200 from {attacker}"})
        for i in range(5)
    ]
    _write(tmp_path, noise, "/operator/logs")
    con = open_archive(tmp_path, table)
    day = canned.window("2025-11-26", "2025-11-26")
    names, rows = local_run(con, canned.logins(day, attacker))
    assert names == ["time", "account", "log_group", "log_stream", "message"]
    assert len(rows) == 57 and sum("Accepted password for deploy" in r[-1] for r in rows) == 1
    _, rows = local_run(con, canned.sudo(day, "deploy"))
    assert [r[4] for r in rows] == ["/usr/sbin/usermod -aG wheel deploy"]
    assert local_run(con, canned.sudo(day, "alice"))[1] == []
    _, rows = local_run(con, canned.events(day, "/operator/logs"))
    assert len(rows) == 5
    _, rows = local_run(con, canned.events(canned.window("2025-11-27", "2025-11-27"), "/operator/logs"))
    assert rows == []  # other days: nothing (and their partitions are not read)


def test_the_events_view_is_one_row_per_event_of_the_archive(table: dict[str, Any], tmp_path: Path) -> None:
    """`logreview query --setup`'s CREATE VIEW, run by DuckDB over archive objects the code wrote
    (function names adapted): every event once, with its envelope's fields and its partition."""
    story = messages.failed_login_burst(random.Random(7), NOON, "198.51.100.23")
    _write(tmp_path, story, "/admin/logs")
    _write(tmp_path, [("ops", {"timestamp": NOON - 3_600_000, "message": "x"})], "/operator/logs")
    con = open_archive(tmp_path, table)
    con.execute(dialect(canned.CREATE_VIEW))
    found = con.execute("SELECT dt, hour, timestamp_ms, account, log_group, log_stream, message FROM "
                        "archive_events ORDER BY timestamp_ms")  # fmt: skip
    rows = found.fetchall()
    expected = sorted([(e["timestamp"], "/admin/logs", s, e["message"]) for s, e in story])
    expected.insert(0, (NOON - 3_600_000, "/operator/logs", "ops", "x"))
    assert [(r[2], r[4], r[5], r[6]) for r in rows] == expected
    assert {r[3] for r in rows} == {"123456789012"} and rows[0][:2] == ("2025-11-26", "11")
    (time,) = con.execute(
        "SELECT CAST(time AS VARCHAR) FROM archive_events WHERE message = 'x'"
    ).fetchone() or ("",)
    moment = datetime.fromtimestamp(NOON / 1000, UTC) - timedelta(hours=1)
    assert time.startswith(moment.strftime("%Y-%m-%d %H:%M:%S"))


def test_workgroup_results_are_encrypted_enforced_and_expire(
    template: dict[str, Any], values: dict[str, Any]
) -> None:
    resources = template["Resources"]
    config = resolve(resources["QueryWorkGroup"]["Properties"]["WorkGroupConfiguration"], values)
    assert config["EnforceWorkGroupConfiguration"] is True  # clients cannot turn encryption off
    result = config["ResultConfiguration"]
    # the bucket policy denies every put without AES256: SSE_S3 is the one Athena option it allows
    deny = [s for s in statements(resources["ReportBucketPolicy"]["Properties"]["PolicyDocument"])
            if s["Effect"] == "Deny" and "StringNotEquals" in s.get("Condition", {})]  # fmt: skip
    assert deny[0]["Condition"]["StringNotEquals"] == {"s3:x-amz-server-side-encryption": "AES256"}
    assert result["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    prefix = result["OutputLocation"].removeprefix(f"s3://{BUCKET}/")
    assert result["OutputLocation"].startswith(f"s3://{BUCKET}/") and prefix.endswith("/")
    rules = resources["ReportBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    (rule,) = [r for r in rules if r.get("Prefix") == prefix]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == {"Ref": "QueryResultsExpirationDays"}
    assert int(config["BytesScannedCutoffPerQuery"]) > 0
    assert config["EngineVersion"]["SelectedEngineVersion"] == "Athena engine version 3"


def test_query_policy_reaches_only_the_workgroup_table_archive_and_results(
    template: dict[str, Any], values: dict[str, Any]
) -> None:
    document = resolve(template["Resources"]["QueryPolicy"]["Properties"]["PolicyDocument"], values)
    grants: dict[str, set[str]] = {}
    for statement in statements(document):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            grants.setdefault(action, set()).update(as_list(statement["Resource"]))
    assert all("*" not in a for a in grants) and all(r != "*" for rs in grants.values() for r in rs)
    region, account = values["AWS::Region"], values["AWS::AccountId"]
    workgroup = f"arn:aws:athena:{region}:{account}:workgroup/{values['AWS::StackName']}-logreview"
    assert {r for a, rs in grants.items() if a.startswith("athena:") for r in rs} == {workgroup}
    glue = {r for a, rs in grants.items() if a.startswith("glue:") for r in rs}
    database = values["QueryDatabaseName"]
    assert glue == {
        f"arn:aws:glue:{region}:{account}:catalog",
        f"arn:aws:glue:{region}:{account}:database/{database}",
        f"arn:aws:glue:{region}:{account}:table/{database}/*",
    }
    assert not [a for a in grants if a.startswith("glue:") and not a.startswith("glue:Get")]  # read only
    objects = "<ReportBucket.Arn>"
    assert grants["s3:PutObject"] == {f"{objects}/athena-results/*"}
    assert grants["s3:GetObject"] == {
        f"{objects}/archive/*",
        f"{objects}/reports/*/rows/*",  # the report companions (rows_key), not the other report objects
        f"{objects}/athena-results/*",
    }
    assert not [a for a in grants if a.startswith("s3:Delete")]


def test_named_queries_are_the_clis_canned_queries(template: dict[str, Any]) -> None:
    """Each named query's description is a `logreview query` command line; the CLI builds exactly
    the named query's SQL from it (no drift between the console and the command)."""
    named = [
        r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Athena::NamedQuery"
    ]
    assert len(named) >= 2
    for props in named:
        words = shlex.split(props["Description"])
        assert words[:2] == ["logreview", "query"]
        args = build_parser().parse_args([*words[1:], "--print-sql"])
        assert query_cli.statement(args) == props["QueryString"], props["Name"]
