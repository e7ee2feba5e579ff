"""Shared steps of the rollup tests: stream a generated day in, roll up, report, compare."""

from __future__ import annotations

import io
import urllib.request
import zipfile
from typing import Any

import boto3
import orjson

from daily_report.handler import lambda_handler as daily_handler
from daily_report.review import revision
from daily_report.rollup import lambda_handler as rollup_handler
from stream_processor import aggregate
from stream_processor.handler import lambda_handler
from tests.support.aws import list_keys
from tests.support.readers import read_report


def relocate_unhoured(s3: Any, bucket: str) -> None:
    """Move partials written without an hour in their key under `hour=HH/` (HH of their first
    window), the layout of the schema-2 bundles (notes/ingest-rollup.md). A no-op once the stream
    processor writes that layout itself."""
    for key in list_keys(s3, bucket, "aggregates/"):
        parts = key.split("/")
        if len(parts) != 3:
            continue
        partial = aggregate.decode(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        hour = min(h for hours in partial["windows"].values() for h in hours)
        target = f"{parts[0]}/{parts[1]}/hour={hour}/{parts[2]}"
        s3.copy_object(
            Bucket=bucket,
            Key=target,
            CopySource={"Bucket": bucket, "Key": key},
            ServerSideEncryption="AES256",
        )
        s3.delete_object(Bucket=bucket, Key=key)


def set_moto_config(endpoint: str, config: dict[str, Any]) -> None:
    """Change the moto server's own configuration (it holds for every later request)."""
    request = urllib.request.Request(  # noqa: S310 - the local moto server's http:// URL
        f"{endpoint}/moto-api/config", data=orjson.dumps(config), headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310


def moto_function(endpoint: str, name: str, handler: str) -> str:
    """A function registered in moto's docker-less Lambda backend (invokes are accepted, nothing
    runs: a test plays the Lambda service); its ARN."""
    set_moto_config(endpoint, {"lambda": {"use_docker": False}})
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {}, "Action": "sts:AssumeRole"}],
    }
    policy = orjson.dumps(trust).decode()
    role = boto3.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=policy)
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr(handler.rsplit(".", 1)[0].replace(".", "/") + ".py", "")
    created = boto3.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler=handler,
        Code={"ZipFile": code.getvalue()},
    )
    return str(created["FunctionArn"])


def stream(aws: dict[str, Any], payloads: list[dict[str, Any]]) -> None:
    for event in payloads:
        lambda_handler(event, None)
    relocate_unhoured(aws["s3"], aws["bucket"])


def roll_up(date: str | None = None, hour: str | None = None) -> dict[str, Any]:
    event = {"hour": hour} if hour else {"date": date}
    result: dict[str, Any] = rollup_handler(event, None)
    return result


def report(aws: dict[str, Any], date: str) -> dict[str, Any]:
    daily_handler({"date": date}, None)
    return read_report(aws["s3"], aws["bucket"], date)


def content(doc: dict[str, Any]) -> bytes:
    """What must be byte-identical: the report without generated_at, revision and late_data."""
    return revision.content(doc)


def drop_rollups(aws: dict[str, Any]) -> int:
    keys = list_keys(aws["s3"], aws["bucket"], "rollups/")
    for key in keys:
        aws["s3"].delete_object(Bucket=aws["bucket"], Key=key)
    return len(keys)


def direct_report(aws: dict[str, Any], date: str) -> dict[str, Any]:
    """The report with every rollup set aside: the merge of every partial, read directly.

    The rollups are put back afterwards (same bytes), so a scenario can go on from there."""
    s3, bucket = aws["s3"], aws["bucket"]
    kept = {
        key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in list_keys(s3, bucket, "rollups/")
    }
    drop_rollups(aws)
    doc = report(aws, date)
    for key, body in kept.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body, ServerSideEncryption="AES256")
    return doc


def rollup_doc(aws: dict[str, Any], key: str) -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads(aws["s3"].get_object(Bucket=aws["bucket"], Key=key)["Body"].read())
    return doc
