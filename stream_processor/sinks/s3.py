"""The S3 sink: archive, partial aggregates and quarantine under the DESIGN §5 layout.

Every put sends `ServerSideEncryption=AES256`. Keys derive from the batch id, so a redelivered
or replayed batch overwrites its objects instead of adding new ones.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import TYPE_CHECKING, Any

import orjson

from .. import aggregate
from ..decode import Batch

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def group_path(log_group: str) -> str:
    """A filesystem-safe, readable form of a log group name: `/admin/logs` → `admin_logs`."""
    return _UNSAFE.sub("_", log_group.strip("/")) or "_"


def _day_hour(timestamp_ms: int) -> tuple[str, str]:
    return time.strftime(
        "%Y-%m-%d", time.gmtime(timestamp_ms // 1000)
    ), f"{timestamp_ms // 3_600_000 % 24:02d}"


def archive_key(batch: Batch) -> str:
    """`archive/dt=DAY/hour=HH/{group}/{batch_id}.gz`, day and hour of the first event."""
    day, hour = _day_hour(batch.events[0]["timestamp"])
    return f"archive/dt={day}/hour={hour}/{group_path(batch.log_group)}/{batch.batch_id}.gz"


def partial_key(partial: aggregate.Partial) -> str:
    """`aggregates/dt=DAY/{batch_id}.json`."""
    return f"aggregates/dt={partial['date']}/{partial['batch']['batch_id']}.json"


def quarantine_key(raw: bytes, received_ms: int) -> str:
    """`quarantine/dt=DAY/{sha256}` (without extension; `.bin` and `.json` are added)."""
    day, _ = _day_hour(received_ms)
    return f"quarantine/dt={day}/{hashlib.sha256(raw).hexdigest()}"


def s3_client() -> S3Client:
    """A boto3 S3 client (honours AWS_ENDPOINT_URL) with adaptive retries."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 5, "mode": "adaptive"}, max_pool_connections=32)
    return boto3.client("s3", config=config)


class S3Sink:
    """Writes our objects to one bucket."""

    def __init__(self, bucket: str, client: S3Client | None = None) -> None:
        if not bucket:
            raise ValueError("REPORT_BUCKET is not set: there is nowhere to archive to")
        self.bucket = bucket
        self.client = client or s3_client()

    def put(self, key: str, body: bytes, **extra: Any) -> str:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ServerSideEncryption="AES256", **extra)
        return key

    def archive(self, batch: Batch, raw: bytes) -> str:
        """The payload bytes exactly as received (base64 removed)."""
        return self.put(
            archive_key(batch),
            raw,
            ContentType="application/octet-stream",
            Metadata={"log-group": _ascii(batch.log_group), "events": str(len(batch.events))},
        )

    def partial(self, partial: aggregate.Partial) -> str:
        return self.put(partial_key(partial), aggregate.encode(partial), ContentType="application/json")

    def quarantine(self, raw: bytes, reason: str, detail: str, origin: str) -> str:
        """Keep undecodable input and say why, so nothing is lost and it can be re-driven."""
        received = int(time.time() * 1000)
        key = quarantine_key(raw, received)
        self.put(key + ".bin", raw, ContentType="application/octet-stream")
        note = {
            "reason": reason,
            "detail": detail,
            "origin": origin,
            "bytes": len(raw),
            "received_ms": received,
        }
        self.put(
            key + ".json",
            orjson.dumps(note, option=orjson.OPT_SORT_KEYS),
            ContentType="application/json",
        )
        return key


def _ascii(text: str) -> str:
    return text.encode("ascii", "backslashreplace").decode()[:1024]
