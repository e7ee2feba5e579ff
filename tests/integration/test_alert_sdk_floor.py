"""The SDK floor (issue 21.1): pyproject.toml declares the botocore the alert state needs, the code
states the same version, and an SDK without PutObject's IfMatch fails with an error naming it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import boto3
import pytest

from stream_processor.sinks.alert_store import MIN_BOTOCORE, AlertError, AlertStore
from stream_processor.sinks.s3 import S3Sink

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def declared() -> dict[str, str]:
    """`name>=version` floors of the runtime dependencies."""
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    floor = re.compile(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?>=([0-9.]+)")
    return {m[1]: m[2] for d in deps if (m := floor.match(d))}


def test_the_declared_floor_is_the_floor_the_code_states() -> None:
    floors = declared()
    assert floors["botocore"] == MIN_BOTOCORE
    assert floors["boto3"] == MIN_BOTOCORE  # boto3 1.35.N requires botocore 1.35.N


def test_an_sdk_without_if_match_fails_with_the_version_it_needs(aws: dict[str, Any]) -> None:
    """An S3 model without PutObject's IfMatch (what botocore < 1.35.69 ships) rejects the
    parameter before sending it: the update after the first one names the floor."""
    client = boto3.client("s3")
    members = client.meta.service_model.operation_model("PutObject").input_shape.members
    del members["IfMatch"]  # this client's model only
    store = AlertStore(S3Sink(aws["bucket"], client))
    store.update("alerts/x.json", lambda _: {"v": 2})  # created with If-None-Match: *
    with pytest.raises(AlertError, match=rf"needs botocore >= {re.escape(MIN_BOTOCORE)}"):
        store.update("alerts/x.json", lambda _: {"v": 3})  # If-Match: the remembered ETag
