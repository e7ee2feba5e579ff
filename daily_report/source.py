"""Read a day's partial aggregates from S3 and merge them as a stream, counting each batch once.

The listing is paginated and consumed lazily; at most `2 × workers` objects are in flight at
any moment and each body is merged (with the aggregate format's own `merge_into`) and dropped as
soon as it arrives, so memory does not grow with the number of partials.

Exactly once: a `Deduper` passes every partial through a `BatchLedger` on the merging thread. A
partial whose batches were all counted already is skipped; one that overlaps (the same
CloudWatch batch delivered in two Kinesis invocations) is rebuilt from its archive object
without the batches already counted. Without overlap this costs no request at all.

Batches counted elsewhere (by a rollup) enter the ledger before the partials that may repeat
them. Only a *roaming* partial (several batches, or one not named by its batch id under an hour)
can repeat a batch another key holds, so what is costly to seed (every name a rollup covers) is
seeded lazily, when the first roaming partial arrives: a Direct-mode day never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from stream_processor import aggregate
from stream_processor.bundle import BatchLedger, rebuild
from stream_processor.pipeline import DEFAULT_RULES, Rules
from stream_processor.sinks.s3 import absent

from . import rollup_doc
from .errors import ReportError
from .rollup_doc import HOURS, PartialObject, Rollup, hour_prefix, plain_etag, rollup_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from .fanout import FanOut

DEFAULT_WORKERS = 16


def partial_prefix(day: date) -> str:
    """`aggregates/dt=YYYY-MM-DD/`, the prefix the stream processor writes a day's partials to."""
    return f"aggregates/dt={day.isoformat()}/"


def roaming_ids(obj: PartialObject, partial: aggregate.Partial) -> Sequence[str]:
    """The batch ids of `partial` that another partial key may hold too: none for a single-batch
    partial under `hour=HH/` named by its batch id (its batch always lands on that key), else all."""
    ids: Sequence[str] = partial.get("batch_ids") or ()
    if len(ids) == 1 and "/hour=" in obj.key and obj.key.endswith(f"/{ids[0]}.json"):
        return ()
    return ids


@dataclass(slots=True)
class Deduper:
    """Lets each CloudWatch batch through once: `take` returns what of a partial is new, or None.

    `fetch` reads an archive object by key (only for a bundle that overlaps what was counted);
    `rules` must be the live path's (a rebuilt bundle is aggregated again with them). `seed`, if
    set, yields batch ids counted elsewhere; it is recorded once, before the first roaming partial.
    """

    fetch: Callable[[str], bytes]
    rules: Rules | Callable[[], Rules] = DEFAULT_RULES  # a loader is called on the first overlap
    ledger: BatchLedger = field(default_factory=BatchLedger)
    seed: Callable[[], Iterable[str]] | None = None
    duplicates: int = 0
    rebuilt: int = 0

    def take(self, partial: aggregate.Partial, roaming: bool = True) -> aggregate.Partial | None:
        if roaming and self.seed is not None:
            seed, self.seed = self.seed, None
            self.ledger.record(seed())
        admission = self.ledger.admit(partial)
        if admission.status == "new":
            return partial
        if admission.status == "duplicate":
            self.duplicates += 1
            return None
        archive = partial.get("archive")
        if not archive:
            raise ValueError("it overlaps batches already counted and names no archive to rebuild from")
        self.rebuilt += 1
        if not isinstance(self.rules, Rules):
            self.rules = self.rules()
        return rebuild(self.fetch(archive), partial["date"], admission.fresh, archive, self.rules)


@dataclass(slots=True)
class DayMerge:
    """The merged partial of one day and what it took: objects read, newest write seen, what
    the deduplication dropped (whole duplicates) or rebuilt (overlapping bundles), and (when
    `roaming` is a set) the roaming batch ids of the partials read."""

    partial: aggregate.Partial
    deduper: Deduper | None = None
    objects: int = 0
    newest: datetime | None = None
    roaming: set[str] | None = None

    def add(self, obj: PartialObject, body: bytes) -> None:
        """Decode one fetched body and merge what is new of it; a bad body is an error naming its key."""
        try:
            partial = aggregate.decode(body)
            ids = roaming_ids(obj, partial)
            if self.roaming is not None:
                self.roaming.update(ids)
            new = partial if self.deduper is None else self.deduper.take(partial, bool(ids))
            # a whole duplicate still counts as an object merged in: `partials` does not depend
            # on which of two bundles holding the same batches happened to arrive first
            aggregate.merge_into(self.partial, new if new is not None else _object_only(partial))
        except ValueError as exc:
            raise ReportError(f"{obj.key} is not a mergeable partial aggregate: {exc}") from exc
        self.objects += 1
        if self.newest is None or obj.last_modified > self.newest:
            self.newest = obj.last_modified

    @property
    def batches(self) -> int:
        """Distinct CloudWatch batches merged."""
        return int(self.partial["batches"])


def _object_only(partial: aggregate.Partial) -> aggregate.Partial:
    """What a partial whose batches were all counted adds: one object, no batch, no event."""
    nothing = aggregate.empty()
    nothing.update(date=partial["date"], partials=1)
    return nothing


def merge_stream(
    objects: Iterable[PartialObject],
    fetch: Callable[[PartialObject], bytes],
    workers: int = DEFAULT_WORKERS,
    deduper: Deduper | None = None,
    roaming: set[str] | None = None,
) -> DayMerge:
    """Fetch objects on a bounded pool; decode and merge each as it arrives (order does not matter).

    Workers only fetch (I/O, the GIL is free); decoding and merging stay on this thread, so CPU
    work does not fight the pool for the GIL. Fetched bodies arrive on a queue (O(1) per object);
    submission pauses while `2 × workers` bodies are in flight or waiting to be merged. With a
    `deduper` every batch is counted once (the daily job passes one); a `roaming` set collects the
    roaming batch ids of the partials read (a rollup records them).
    """
    result = DayMerge(aggregate.empty(), deduper, roaming=roaming)
    limit = max(1, workers) * 2
    done: SimpleQueue[Future[bytes]] = SimpleQueue()
    pending: dict[Future[bytes], PartialObject] = {}

    def merge_next(block: bool) -> bool:
        try:
            future = done.get(block=block)
        except Empty:
            return False
        result.add(pending.pop(future), future.result())
        return True

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="partial") as pool:
        for obj in objects:
            while merge_next(block=len(pending) >= limit):
                pass  # merge what has arrived; wait only while the pool is full
            future = pool.submit(fetch, obj)
            pending[future] = obj
            future.add_done_callback(done.put)
        while pending:
            merge_next(block=True)
    return result


class PartialSource:
    """The partials and rollups of one bucket: list a day or an hour (paginated), load one."""

    def __init__(
        self,
        bucket: str,
        client: S3Client,
        workers: int = DEFAULT_WORKERS,
        fanout: FanOut | None = None,
        rules: Rules | Callable[[], Rules] = DEFAULT_RULES,
    ) -> None:
        self.bucket = bucket
        self.client = client
        self.workers = workers
        self.fanout = fanout
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

    def list_day(self, day: date) -> Iterator[PartialObject]:
        """Every partial of `day` (all hours and the hour-less schema-1 layout), in key order."""
        return self.list_prefix(partial_prefix(day))

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
            if etag is not None and exc.response.get("Error", {}).get("Code") in (
                "PreconditionFailed",
                "412",
            ):
                raise ReportError(f"{key} was rewritten while the day was merged; run again") from exc
            raise
        try:
            found = rollup_doc.decode(body, key)
        except ValueError as exc:
            raise ReportError(str(exc)) from exc
        found.etag = plain_etag(response.get("ETag", ""))
        return found

    def merge_day(self, day: date, wait: float | None = None) -> DayMerge:
        """The day merged: each hour's rollup plus what it does not cover (see `hourly`); the
        fan-out waits at most `wait` seconds for the rollups."""
        from .hourly import merge_day

        merged = merge_day(self, day, wait)
        found = merged.partial["date"]
        if found is not None and found != day.isoformat():
            raise ReportError(f"partials under {partial_prefix(day)} are for {found}")
        return merged
