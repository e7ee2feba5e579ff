"""Shared fixtures: a real HTTP AWS endpoint (moto's ThreadedMotoServer) and a provisioned bucket."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import settings

from stream_processor.config import clear_caches, default_config_json

# A noisy, shared 2-core VM: a property test's speed is not what it checks (benchmarks do that).
settings.register_profile("logreview", deadline=None)
settings.load_profile("logreview")

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "LogProcessor")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server for the session, reached over real HTTP through AWS_ENDPOINT_URL."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
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
