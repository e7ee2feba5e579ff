"""moto's server over real HTTP, for the integration and deployed tests (their conftests import
these fixtures), and a bucket listing helper.

Each process (each pytest-xdist worker) starts its own server on a port the kernel picks, so
workers never share an endpoint or moto's in-memory backends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from stream_processor.config import clear_caches, default_config_json


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server for the session, reached over real HTTP through AWS_ENDPOINT_URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # 0: bound, never raced
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        yield endpoint
    finally:
        server.stop()
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = previous


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A fresh bucket and config parameter per test; environment pointed at them."""
    from stream_processor import handler

    bucket = f"logreview-test-{uuid.uuid4().hex[:12]}"
    parameter = f"/log-processor/config-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    boto3.client("ssm").put_parameter(Name=parameter, Type="String", Value=default_config_json(bucket))
    monkeypatch.setenv("REPORT_BUCKET", bucket)
    monkeypatch.setenv("CONFIG_PARAMETER", parameter)
    monkeypatch.setenv("USER_RULES_PARAMETER", parameter + "-user-rules")  # absent unless a test writes it
    clear_caches()
    handler._ingest.cache_clear()
    yield {"bucket": bucket, "parameter": parameter, "s3": s3, "endpoint": moto_endpoint}
    handler._ingest.cache_clear()


def list_keys(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    """Every key under a prefix (paginated)."""
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(obj["Key"] for obj in page.get("Contents", []))
    return sorted(keys)
