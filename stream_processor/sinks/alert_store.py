"""The alert state documents in the report bucket: one per alert window, updated with conditional
writes (`If-None-Match: *` to create, `If-Match: etag` to replace).

A warm container remembers the ETag and body of the documents it wrote last, so its next update
of the same window skips the GET when nobody else wrote in between (Kinesis mode: one container
per shard, so nearly always), and makes it a conditional GET (304, no body) otherwise. A 412/409
means another writer was first: read again, fold again, retry after a random, exponentially
growing pause, at most MAX_ATTEMPTS times (then the invocation fails and Lambda retries it; the
batch ids in the document make that harmless).
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import botocore
import orjson
from botocore.exceptions import ClientError, ParamValidationError

from ..errors import LogReviewError
from .aws_errors import absent_or_hidden, conflict, not_modified
from .s3 import S3Sink

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ALERTS_ROOT = "alerts/"
# The first botocore whose S3 model has PutObject's IfMatch (IfNoneMatch came in 1.35.0);
# pyproject.toml declares the same floor
# (tests/unit/stream_processor/alerting/test_alert_sdk_floor.py checks it).
MIN_BOTOCORE = "1.35.69"
MAX_ATTEMPTS = 40  # conditional-write conflicts before giving up (then Lambda retries)
MAX_PAUSE_S = 0.5  # the longest pause before a retry (40 attempts wait ~10 s on average in all)
DEADLINE_RESERVE_MS = 10_000  # stop retrying when less is left of the invocation (publish, settle)
CACHED_DOCUMENTS = 8

Document = dict[str, Any]


class AlertError(LogReviewError):
    """Alert state or a notification could not be written (after retries); the batch is retried."""


def document_key(window_start: int, window_s: int) -> str:
    """`alerts/dt=DAY/HHMM-{window_s}s.json` of the window starting at `window_start` (epoch ms)."""
    stamp = time.gmtime(window_start // 1000)
    day, hhmm = time.strftime("%Y-%m-%d", stamp), time.strftime("%H%M", stamp)
    return f"{ALERTS_ROOT}dt={day}/{hhmm}-{window_s}s.json"


@dataclass(slots=True)
class Requests:
    """What the store asked S3 for (a test and the cost bench read it)."""

    gets: int = 0
    puts: int = 0
    conflicts: int = 0


@dataclass(slots=True)
class AlertStore:
    """Reads and conditionally writes the window documents; remembers what it wrote last."""

    store: S3Sink
    pause_s: float = 0.02  # the first retry waits up to this; the n-th up to 2**n times it
    deadline_ms: int | None = None  # when the running invocation is stopped (epoch ms), if known
    requests: Requests = field(default_factory=Requests)
    _cache: OrderedDict[str, tuple[str, Document, bool]] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def s3(self) -> S3Client:
        return self.store.client

    def forget(self) -> None:
        """Drop the remembered documents (the next update of each reads it first)."""
        with self._lock:
            self._cache.clear()

    def read(self, key: str, etag: str | None = None) -> tuple[Document | None, str | None]:
        """(document, ETag), or (None, None) when there is none yet. With `etag`: (None, etag)
        when the object still has it (a conditional GET: 304, no body)."""
        self.requests.gets += 1
        extra = {} if etag is None else {"IfNoneMatch": etag}
        try:
            response = self.s3.get_object(Bucket=self.store.bucket, Key=key, **extra)  # type: ignore[arg-type]
        except ClientError as exc:
            if etag is not None and not_modified(exc):
                return None, etag
            if absent_or_hidden(exc):
                return None, None
            raise
        return orjson.loads(response["Body"].read()), str(response["ETag"])

    def _write(self, key: str, document: Document, etag: str | None) -> str | None:
        """Create (etag None) or replace the document if unchanged: its new ETag, or None when
        someone else wrote first."""
        condition = {"IfNoneMatch": "*"} if etag is None else {"IfMatch": etag}
        self.requests.puts += 1
        try:
            response = self.s3.put_object(
                Bucket=self.store.bucket,
                Key=key,
                Body=orjson.dumps(document, option=orjson.OPT_SORT_KEYS),
                ContentType="application/json",
                ServerSideEncryption="AES256",
                **condition,  # type: ignore[arg-type]
            )
        except ParamValidationError as exc:
            raise AlertError(
                f"alert state {key}: this botocore ({botocore.__version__}) cannot send a conditional "
                f"PutObject; logreview needs botocore >= {MIN_BOTOCORE} ({exc})"
            ) from exc
        except ClientError as exc:
            if conflict(exc):
                self.requests.conflicts += 1
                return None
            raise
        return str(response["ETag"])

    def update(self, key: str, change: Callable[[Document | None], Document | None]) -> Document | None:
        """Read-change-write until the conditional write holds. Returns the document as stored
        after the update (None: there is none). `change` returns None when it changes nothing;
        that answer is trusted only from a read, never from the remembered copy alone.

        The remembered copy is used without a read while it is trusted: our last update of the
        document met nobody else's write. Otherwise the read is conditional on the remembered
        ETag (a 304 costs no body and restores the trust); a conflict or a changed document
        withdraws it. So a container that writes alone (Kinesis mode, one shard) needs one PUT
        per update, and one that shares the document (Direct mode) a GET and a PUT, with a PUT
        wasted on a stale ETag only when another writer came after a quiet spell.
        """
        with self._lock:
            remembered = self._cache.get(key)
        trusted = remembered is not None and remembered[2]
        for attempt in range(MAX_ATTEMPTS):
            alone = trusted
            if remembered is not None and trusted:
                etag: str | None = remembered[0]
                document: Document | None = remembered[1]
            else:
                document, etag = self.read(key, None if remembered is None else remembered[0])
                if document is None and remembered is not None and etag == remembered[0]:
                    document, alone = remembered[1], True  # 304: nobody wrote since our last write
                elif etag is None:
                    alone = True  # nobody has written it yet
            wanted = change(document)
            if wanted is None:
                if not trusted:
                    return document
                trusted = False  # decide "nothing to change" on a read, not on the remembered copy
                continue
            written = self._write(key, wanted, etag)
            if written is not None:
                self._remember(key, written, wanted, alone and attempt == 0)
                return wanted
            remembered, trusted = None, False
            self._drop(key)
            pause = min(MAX_PAUSE_S, self.pause_s * 2**attempt)  # full jitter, exponential, capped
            if self._late(pause):
                break
            time.sleep(random.uniform(0, pause))  # noqa: S311  # jitter, not a secret
        raise AlertError(f"alert state {key}: {attempt + 1} conflicting writes in a row; batch retried")

    def _late(self, pause: float) -> bool:
        """True when another attempt would eat the time the invocation needs to finish."""
        if self.deadline_ms is None:
            return False
        return time.time() * 1000 + pause * 1000 + DEADLINE_RESERVE_MS > self.deadline_ms

    def _remember(self, key: str, etag: str, document: Document, trusted: bool) -> None:
        with self._lock:
            self._cache[key] = (etag, document, trusted)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHED_DOCUMENTS:
                self._cache.popitem(last=False)

    def _drop(self, key: str) -> None:
        with self._lock:
            self._cache.pop(key, None)
