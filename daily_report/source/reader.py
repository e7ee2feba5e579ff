"""The partials and rollups of one bucket, read from S3: list a day or an hour (paginated, lazily),
fetch one object, load an hour's rollup (optionally pinned to the version a plan merges).

A reader only reads: how a day is merged (rollups, the fan-out, the exactly-once ledger) is
`hourly.merge_day`, which the daily job wires.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from stream_processor.aggregate import HOURS
from stream_processor.pipeline import DEFAULT_RULES, Rules
from stream_processor.sinks.aws_errors import absent, changed

from ..errors import ReportError
from . import rollup_doc
from .merge import DEFAULT_WORKERS, Deduper
from .rollup_doc import PartialObject, Rollup, hour_prefix, plain_etag, rollup_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def partial_prefix(day: date) -> str:
    """`aggregates/dt=YYYY-MM-DD/`, the prefix the stream processor writes a day's partials to."""
    return f"aggregates/dt={day.isoformat()}/"


class PartialSource:
    """The partials and rollups of one bucket: list a day or an hour (paginated), load one."""

    def __init__(
        self,
        bucket: str,
        client: S3Client,
        workers: int = DEFAULT_WORKERS,
        rules: Rules | Callable[[], Rules] = DEFAULT_RULES,
    ) -> None:
        self.bucket = bucket
        self.client = client
        self.workers = workers
        self.rules = rules  # the live path's: an overlapping bundle is rebuilt with them

    def deduper(self, seed: Callable[[], Iterable[str]] | None = None) -> Deduper:
        """A fresh exactly-once filter reading archive objects of this bucket."""
        return Deduper(self.fetch_key, self.rules, seed=seed)

    def fetch_key(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def list_prefix(self, prefix: str, direct_only: bool = False) -> Iterator[PartialObject]:
        """`.json` objects under `prefix` in key order; `direct_only` skips deeper "folders"."""
        paginator = self.client.get_paginator("list_objects_v2")
        extra = {"Delimiter": "/"} if direct_only else {}
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, **extra):  # type: ignore[arg-type]
            for item in page.get("Contents", []):
                if item["Key"].endswith(".json"):
                    yield PartialObject(item["Key"], item["LastModified"], plain_etag(item.get("ETag", "")))

    def list_hour(self, day: date, hour: int) -> Iterator[PartialObject]:
        return self.list_prefix(hour_prefix(day, hour))

    def list_unhoured(self, day: date) -> Iterator[PartialObject]:
        """Partials directly under `aggregates/dt=DAY/` (written before keys had an hour)."""
        return self.list_prefix(partial_prefix(day), direct_only=True)

    def newest_write(self, day: date) -> datetime | None:
        """When the most recent partial of `day` was written (listing only, the hours at once)."""
        prefixes = [hour_prefix(day, hour) for hour in HOURS]

        def newest(prefix: str | None) -> datetime | None:
            listing = self.list_unhoured(day) if prefix is None else self.list_prefix(prefix)
            return max((obj.last_modified for obj in listing), default=None)

        with ThreadPoolExecutor(max_workers=max(1, min(len(prefixes), self.workers))) as pool:
            found = list(pool.map(newest, [None, *prefixes]))
        return max((moment for moment in found if moment is not None), default=None)

    def fetch(self, obj: PartialObject) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=obj.key)["Body"].read()
        return body

    def rollup(self, day: date, hour: int, etag: str | None = None) -> Rollup | None:
        """The stored rollup of one hour, or None when there is none. With `etag`: that version
        only (the one a plan merges); a rollup rewritten since is an error (run again)."""
        key = rollup_key(day, hour)
        try:
            if etag is None:
                response = self.client.get_object(Bucket=self.bucket, Key=key)
            else:
                response = self.client.get_object(Bucket=self.bucket, Key=key, IfMatch=f'"{etag}"')
            body = response["Body"].read()
        except ClientError as exc:
            if etag is None and absent(exc):
                return None
            if etag is not None and changed(exc):
                raise ReportError(f"{key} was rewritten while the day was merged; run again") from exc
            raise
        try:
            found = rollup_doc.decode(body, key)
        except ValueError as exc:
            raise ReportError(str(exc)) from exc
        found.etag = plain_etag(response.get("ETag", ""))
        return found
