"""The S3 sink: archive, partial aggregates (bundles) and quarantine under the docs/design.md §5 layout.

Every put sends `ServerSideEncryption=AES256`. Keys derive from the invocation id (the batch id
when there is one batch, see `bundle.invocation_id`), so a redelivered or replayed invocation
overwrites its objects instead of adding new ones. An invocation's writes go out at once on a
small shared thread pool (`S3Sink.writes`); it is acknowledged only after all are confirmed.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

import orjson

from .. import aggregate
from ..decode import LINE_MEMBER, Batch
from .retention import lock_headers

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MIXED = "mixed"  # the {group} of an archive object holding batches of several log groups
WRITE_THREADS = 16


def group_path(log_group: str) -> str:
    """A filesystem-safe, readable form of a log group name: `/admin/logs` → `admin_logs`."""
    return _UNSAFE.sub("_", log_group.strip("/")) or "_"


def _day_hour(timestamp_ms: int) -> tuple[str, str]:
    return time.strftime(
        "%Y-%m-%d", time.gmtime(timestamp_ms // 1000)
    ), f"{timestamp_ms // 3_600_000 % 24:02d}"


def archive_key(batches: Sequence[Batch], invocation: str) -> str:
    """`archive/dt=DAY/hour=HH/{group}/{invocation}.gz`: day and hour of the earliest first event;
    `{group}` is `mixed` when the invocation spans log groups."""
    day, hour = _day_hour(min(batch.events[0]["timestamp"] for batch in batches))
    groups = {batch.log_group for batch in batches}
    group = group_path(next(iter(groups))) if len(groups) == 1 else MIXED
    return f"archive/dt={day}/hour={hour}/{group}/{invocation}.gz"


def archive_body(payloads: Iterable[bytes]) -> bytes:
    """An archive object's bytes: each payload exactly as received (one gzip or zlib member),
    followed by `LINE_MEMBER`, so the object decompresses to one JSON envelope per line (CloudWatch
    sends compact JSON) and Athena's line-based JSON SerDe reads one row per batch."""
    return b"".join(part for payload in payloads for part in (payload, LINE_MEMBER))


def partial_key(bundle: aggregate.Partial, invocation: str) -> str:
    """`aggregates/dt=DAY/hour=HH/{invocation}.json`, HH the hour of the bundle's earliest event
    on DAY (an hourly rollup lists one hour; the bundle may hold later hours of DAY too)."""
    hours = [hour for group in bundle["windows"].values() for hour in group]
    return f"aggregates/dt={bundle['date']}/hour={min(hours, default='00')}/{invocation}.json"


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

    def writes(self) -> Writes:
        """A new set of concurrent writes (one invocation's)."""
        return Writes(self)

    def quarantine(self, raw: bytes, reason: str, detail: str, origin: str) -> str:
        """Keep undecodable input and say why, so nothing is lost and it can be re-driven."""
        writes = self.writes()
        key = writes.quarantine(raw, reason, detail, origin)
        writes.confirm()
        return key


class Writes:
    """The S3 puts of one invocation, issued at once on a shared pool; `confirm` waits for all.

    An invocation is acknowledged (the handler returns) only after `confirm`: a failed put
    raises there, after every other put has finished, so Lambda retries the whole invocation
    and its deterministic keys overwrite what did get written.
    """

    def __init__(self, sink: S3Sink) -> None:
        self.sink = sink
        self.futures: list[Future[str]] = []

    def put(self, key: str, body: bytes, **extra: Any) -> str:
        self.futures.append(_pool().submit(self.sink.put, key, body, **extra))
        return key

    def archive(self, key: str, payloads: Sequence[bytes], batches: Sequence[Batch]) -> str:
        """The payloads exactly as received (base64 removed), in order, each followed by a newline
        member (`archive_body`)."""
        groups = sorted({batch.log_group for batch in batches})
        metadata = {
            "log-group": _ascii(groups[0] if len(groups) == 1 else ",".join(groups)),
            "batches": str(len(batches)),
            "events": str(sum(len(batch.events) for batch in batches)),
        }
        return self.put(
            key,
            archive_body(payloads),
            ContentType="application/octet-stream",
            Metadata=metadata,
            **lock_headers(),
        )

    def bundle(self, key: str, bundle: aggregate.Partial) -> str:
        return self.put(key, aggregate.encode(bundle), ContentType="application/json")

    def quarantine(self, raw: bytes, reason: str, detail: str, origin: str) -> str:
        """`.bin` (the input) and `.json` (why); returns the key without extension."""
        received = int(time.time() * 1000)
        key = quarantine_key(raw, received)
        note = {
            "reason": reason,
            "detail": detail,
            "origin": origin,
            "bytes": len(raw),
            "received_ms": received,
        }
        self.put(key + ".bin", raw, ContentType="application/octet-stream")
        self.put(
            key + ".json", orjson.dumps(note, option=orjson.OPT_SORT_KEYS), ContentType="application/json"
        )
        return key

    def settle(self) -> None:
        """Wait for every put, whatever its outcome."""
        wait(self.futures)

    def confirm(self) -> list[str]:
        """Wait for every put; raise the first failure, else return the keys written."""
        self.settle()
        return [future.result() for future in self.futures]


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """One pool per process (threads start on first use; boto3 clients are thread-safe)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="s3-put")
        return _POOL


def _ascii(text: str) -> str:
    return text.encode("ascii", "backslashreplace").decode()[:1024]
