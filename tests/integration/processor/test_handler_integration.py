"""The StreamProcessor handler against moto's server over HTTP: archive, partials, idempotence."""

from __future__ import annotations

import base64
import gzip
import zlib
from typing import Any

import boto3
import orjson
import pytest
from botocore.exceptions import ClientError

from stream_processor import aggregate
from stream_processor.decode import DEFAULT_MAX_DECOMPRESSED
from stream_processor.errors import ConfigError, UnknownEventShape
from stream_processor.handler import lambda_handler
from stream_processor.sinks import archive_body
from tests.support.aws import list_keys
from tests.support.builders import (
    compress,
    control_envelope,
    envelope,
    kinesis_event,
    log_event,
    subscription_event,
)

NOON = 1_764_158_400_000  # 2025-11-26T12:00:00Z


def test_handler_archives_payload_bytes_and_writes_partial(aws: dict[str, Any]) -> None:
    raw = compress(envelope([log_event("ERROR boom", NOON), log_event("INFO ok latency_ms=12", NOON + 5)]))
    result = lambda_handler(subscription_event(raw), None)
    assert result["processed"] == 1 and result["events"] == 2
    s3, bucket = aws["s3"], aws["bucket"]
    archive = list_keys(s3, bucket, "archive/")
    assert len(archive) == 1 and archive[0].startswith("archive/dt=2025-11-26/hour=12/admin_logs/")
    assert s3.get_object(Bucket=bucket, Key=archive[0])["Body"].read() == archive_body([raw])
    (key,) = list_keys(s3, bucket, "aggregates/")
    partial = aggregate.decode(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    window = partial["windows"]["/admin/logs"]["12"]
    assert (window["events"], window["errors"]) == (2, 1)
    assert s3.head_object(Bucket=bucket, Key=key)["ServerSideEncryption"] == "AES256"


MIDNIGHT = 1_764_201_600_000  # 2025-11-27T00:00:00Z


def _objects(s3: Any, bucket: str) -> dict[str, bytes]:
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in list_keys(s3, bucket)}


def _emf(out: str) -> list[dict[str, Any]]:
    docs = [orjson.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [doc for doc in docs if "_aws" in doc]


def _values(value: Any) -> list[float]:
    """EMF writes one value as a number or a one-element list."""
    return list(value) if isinstance(value, list) else [value]


def test_every_object_is_encrypted_and_nothing_else_is_written(aws: dict[str, Any]) -> None:
    raw = compress(envelope([log_event("INFO hello", NOON)]))
    lambda_handler(subscription_event(raw), None)
    s3, bucket = aws["s3"], aws["bucket"]
    keys = list_keys(s3, bucket)
    assert [k.split("/")[0] for k in keys] == ["aggregates", "archive"]
    for key in keys:
        assert s3.head_object(Bucket=bucket, Key=key)["ServerSideEncryption"] == "AES256"


def test_batch_crossing_midnight_writes_two_partials(aws: dict[str, Any]) -> None:
    events = [
        log_event("ERROR late", MIDNIGHT - 1_000),
        log_event("INFO later", MIDNIGHT - 1),
        log_event("ERROR early", MIDNIGHT + 2_000),
    ]
    raw = compress(envelope(events))
    assert lambda_handler(subscription_event(raw), None)["events"] == 3
    s3, bucket = aws["s3"], aws["bucket"]
    (archive,) = list_keys(s3, bucket, "archive/")
    assert archive.startswith("archive/dt=2025-11-26/hour=23/admin_logs/")  # the first event's
    batch_id = archive.rsplit("/", 1)[1].removesuffix(".gz")
    keys = list_keys(s3, bucket, "aggregates/")
    assert keys == [
        f"aggregates/dt=2025-11-26/hour=23/{batch_id}.json",
        f"aggregates/dt=2025-11-27/hour=00/{batch_id}.json",
    ]
    first, second = (aggregate.decode(s3.get_object(Bucket=bucket, Key=k)["Body"].read()) for k in keys)
    assert (first["date"], first["windows"]["/admin/logs"]["23"]["events"]) == ("2025-11-26", 2)
    assert (second["date"], second["windows"]["/admin/logs"]["00"]["errors"]) == ("2025-11-27", 1)
    assert first["batch_ids"] == second["batch_ids"] == [batch_id]  # each day names the batch
    assert first["archive"] == second["archive"] == archive


def test_redelivery_leaves_exactly_the_same_objects(aws: dict[str, Any]) -> None:
    raw = compress(envelope([log_event("ERROR boom", NOON + i, str(i)) for i in range(50)]))
    event = subscription_event(raw)
    lambda_handler(event, None)
    first = _objects(aws["s3"], aws["bucket"])
    lambda_handler(event, None)
    lambda_handler(event, None)
    assert _objects(aws["s3"], aws["bucket"]) == first
    assert len(first) == 2


def test_kinesis_records_are_each_a_payload_of_one_invocation(aws: dict[str, Any]) -> None:
    raws = [
        compress(envelope([log_event(f"INFO {i}", NOON + i)], log_group=group))
        for i, group in enumerate(["/admin/logs", "/operator/logs", "/operator/logs"])
    ]
    raws.append(compress(control_envelope()))
    result = lambda_handler(kinesis_event(raws), None)
    assert result == {"kind": "kinesis", "processed": 3, "skipped": 1, "quarantined": 0, "events": 3}
    s3, bucket = aws["s3"], aws["bucket"]
    (archive,) = list_keys(s3, bucket, "archive/")
    assert archive.startswith("archive/dt=2025-11-26/hour=12/mixed/")  # two log groups in it
    assert s3.get_object(Bucket=bucket, Key=archive)["Body"].read() == archive_body(raws[:3])
    (key,) = list_keys(s3, bucket, "aggregates/")
    bundle = aggregate.decode(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert (bundle["batches"], len(bundle["batch_ids"]), bundle["archive"]) == (3, 3, archive)
    assert set(bundle["windows"]) == {"/admin/logs", "/operator/logs"}


def _quarantined(aws: dict[str, Any], data: Any) -> dict[str, Any]:
    result = lambda_handler({"awslogs": {"data": data}}, None)
    assert result["quarantined"] == 1 and result["processed"] == 0
    s3, bucket = aws["s3"], aws["bucket"]
    keys = list_keys(s3, bucket)
    assert all(k.startswith("quarantine/dt=") for k in keys)
    (note_key,) = [k for k in keys if k.endswith(".json")]
    assert note_key.removesuffix(".json") + ".bin" in keys
    note = orjson.loads(s3.get_object(Bucket=bucket, Key=note_key)["Body"].read())
    note["bin"] = s3.get_object(Bucket=bucket, Key=note_key.removesuffix(".json") + ".bin")["Body"].read()
    return dict(note)


def test_undecodable_payload_is_quarantined_and_the_handler_returns(aws: dict[str, Any]) -> None:
    raw = gzip.compress(b"this is not a CloudWatch envelope")
    note = _quarantined(aws, base64.b64encode(raw).decode())
    assert (note["reason"], note["origin"], note["bin"]) == ("not_json", "subscription", raw)
    assert note["bytes"] == len(raw)


def test_not_base64_is_quarantined_as_received(aws: dict[str, Any]) -> None:
    note = _quarantined(aws, "%%% not base64 %%%")
    assert (note["reason"], note["bin"]) == ("not_base64", b"%%% not base64 %%%")


def test_gzip_bomb_is_quarantined(aws: dict[str, Any]) -> None:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    bomb = b"".join(squeeze.compress(chunk) for _ in range(DEFAULT_MAX_DECOMPRESSED // len(chunk) + 8))
    bomb += squeeze.flush()
    note = _quarantined(aws, base64.b64encode(bomb).decode())
    assert note["reason"] == "too_large" and note["bin"] == bomb


def test_control_message_is_skipped_and_writes_nothing(aws: dict[str, Any]) -> None:
    result = lambda_handler(subscription_event(compress(control_envelope())), None)
    assert (result["skipped"], result["processed"]) == (1, 0)
    assert list_keys(aws["s3"], aws["bucket"]) == []


def test_s3_error_makes_the_handler_raise(aws: dict[str, Any]) -> None:
    s3, bucket = aws["s3"], aws["bucket"]
    s3.delete_bucket(Bucket=bucket)  # real moto behaviour: every put now fails with NoSuchBucket
    raw = compress(envelope([log_event("INFO hello", NOON)]))
    with pytest.raises(ClientError, match="NoSuchBucket"):
        lambda_handler(subscription_event(raw), None)
    with pytest.raises(ClientError, match="NoSuchBucket"):  # quarantine is a put too
        lambda_handler({"awslogs": {"data": "bm90IGd6aXA="}}, None)


def test_unknown_event_shape_names_the_shape(aws: dict[str, Any]) -> None:
    with pytest.raises(UnknownEventShape, match=r"detail-type.*source"):
        lambda_handler({"detail-type": "Scheduled Event", "source": "aws.events"}, None)
    with pytest.raises(UnknownEventShape, match="Records\\[0\\] keys \\['s3'\\]"):
        lambda_handler({"Records": [{"s3": {}}]}, None)
    with pytest.raises(UnknownEventShape, match="list"):
        lambda_handler([], None)  # type: ignore[arg-type]
    assert list_keys(aws["s3"], aws["bucket"]) == []


def test_invalid_config_names_the_key_after_archiving(aws: dict[str, Any]) -> None:
    bad = {"LogConfig": {"BatchSize": "lots"}}
    boto3.client("ssm").put_parameter(
        Name=aws["parameter"], Type="String", Value=orjson.dumps(bad).decode(), Overwrite=True
    )
    raw = compress(envelope([log_event("INFO hello", NOON)]))
    with pytest.raises(ConfigError, match=r"LogConfig\.BatchSize"):
        lambda_handler(subscription_event(raw), None)
    s3, bucket = aws["s3"], aws["bucket"]
    (archive,) = list_keys(s3, bucket, "archive/")
    assert s3.get_object(Bucket=bucket, Key=archive)["Body"].read() == archive_body([raw])
    assert list_keys(s3, bucket, "aggregates/") == []


def test_emf_metrics_per_log_group(aws: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    events = [
        log_event('{"level": "error", "message": "boom", "latency_ms": 120}', NOON),
        log_event('{"level": "info", "message": "ok", "latency_ms": 80}', NOON + 1),
        log_event("Failed password for root from 10.0.0.1 port 22 ssh2", NOON + 2),
    ]
    capsys.readouterr()
    lambda_handler(subscription_event(compress(envelope(events))), None)
    (doc,) = _emf(capsys.readouterr().out)
    (directive,) = doc["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "LogProcessor"
    assert directive["Dimensions"] == [["LogGroup"]] and "service" not in doc
    assert doc["LogGroup"] == "/admin/logs"
    counts = [_values(doc[name]) for name in ("EventCount", "ErrorCount", "SecurityEventCount")]
    assert counts == [[3], [1], [1]]
    latency = doc["Latency"]  # EMF's histogram form: values weighted by the events behind them
    assert latency["Values"] == pytest.approx([80, 120], rel=0.01) and latency["Counts"] == [1, 1]
    assert directive["Metrics"][-1] == {"Name": "Latency", "Unit": "Milliseconds"}
    assert _values(doc["ProcessingTime"])[0] > 0


def test_decode_failure_metric_is_dimensionless(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    lambda_handler({"awslogs": {"data": "bm90IGd6aXA="}}, None)
    (doc,) = _emf(capsys.readouterr().out)
    assert doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] in ([], [[]])
    assert (_values(doc["DecodeFailures"]), _values(doc["QuarantinedBatches"])) == ([1], [1])


def test_control_messages_are_counted_in_a_dimensionless_metric(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    control = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": ""}
    capsys.readouterr()
    result = lambda_handler(subscription_event(compress({**control, "logEvents": []})), None)
    assert result["skipped"] == 1
    (doc,) = _emf(capsys.readouterr().out)
    assert doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]
    assert doc["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": "ControlMessages", "Unit": "Count"}]
    assert doc["ControlMessages"] == 1
