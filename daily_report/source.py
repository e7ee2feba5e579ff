"""Read a day's partial aggregates from S3 and merge them as a stream, counting each batch once.

The listing (`aggregates/dt=DAY/`, which holds schema-1 partials at the top and schema-2 bundles
under `hour=HH/`) is paginated and consumed lazily; at most `2 × workers` objects are in flight
at any moment and each body is merged (with the aggregate format's own `merge_into`) and dropped
as soon as it arrives, so memory does not grow with the number of partials.

Exactly once: a `Deduper` passes every partial through a `BatchLedger` on the merging thread. A
partial whose batches were all counted already is skipped; one that overlaps (the same
CloudWatch batch delivered in two Kinesis invocations) is rebuilt from its archive object
without the batches already counted. Without overlap this costs no request at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING

from stream_processor import aggregate
from stream_processor.bundle import BatchLedger, rebuild
from stream_processor.pipeline import DEFAULT_RULES, Rules

from .errors import ReportError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DEFAULT_WORKERS = 16


def partial_prefix(day: date) -> str:
    """`aggregates/dt=YYYY-MM-DD/`, the prefix the stream processor writes a day's partials to."""
    return f"aggregates/dt={day.isoformat()}/"


@dataclass(frozen=True, slots=True)
class PartialObject:
    """One listed partial: its key and when S3 last wrote it."""

    key: str
    last_modified: datetime


@dataclass(slots=True)
class Deduper:
    """Lets each CloudWatch batch through once: `take` returns what of a partial is new, or None.

    `fetch` reads an archive object (only for a bundle that overlaps what was counted); `rules`
    must be the live path's (a rebuilt bundle is aggregated again with them).
    """

    fetch: Callable[[str], bytes]
    rules: Rules = DEFAULT_RULES
    ledger: BatchLedger = field(default_factory=BatchLedger)
    duplicates: int = 0
    rebuilt: int = 0

    def take(self, partial: aggregate.Partial) -> aggregate.Partial | None:
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
        return rebuild(self.fetch(archive), partial["date"], admission.fresh, archive, self.rules)


@dataclass(slots=True)
class DayMerge:
    """The merged partial of one day and what it took: objects read, newest write seen, and what
    the deduplication dropped (whole duplicates) or rebuilt (overlapping bundles)."""

    partial: aggregate.Partial
    deduper: Deduper | None = None
    objects: int = 0
    newest: datetime | None = None

    def add(self, obj: PartialObject, body: bytes) -> None:
        """Decode one fetched body and merge what is new of it; a bad body is an error naming its key."""
        try:
            partial: aggregate.Partial | None = aggregate.decode(body)
            if self.deduper is not None and partial is not None:
                partial = self.deduper.take(partial)
            if partial is not None:
                aggregate.merge_into(self.partial, partial)
        except ValueError as exc:
            raise ReportError(f"{obj.key} is not a mergeable partial aggregate: {exc}") from exc
        self.objects += 1
        if self.newest is None or obj.last_modified > self.newest:
            self.newest = obj.last_modified

    @property
    def batches(self) -> int:
        """Distinct CloudWatch batches merged."""
        return int(self.partial["batches"])


def merge_stream(
    objects: Iterable[PartialObject],
    fetch: Callable[[str], bytes],
    workers: int = DEFAULT_WORKERS,
    deduper: Deduper | None = None,
) -> DayMerge:
    """Fetch objects on a bounded pool; decode and merge each as it arrives (order does not matter).

    Workers only fetch (I/O, the GIL is free); decoding and merging stay on this thread, so CPU
    work does not fight the pool for the GIL. Fetched bodies arrive on a queue (O(1) per object);
    submission pauses while `2 × workers` bodies are in flight or waiting to be merged. With a
    `deduper` every batch is counted once (the daily job always passes one).
    """
    result = DayMerge(aggregate.empty(), deduper)
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
            future = pool.submit(fetch, obj.key)
            pending[future] = obj
            future.add_done_callback(done.put)
        while pending:
            merge_next(block=True)
    return result


class PartialSource:
    """The partials of one bucket: list a day (paginated), load one, merge a day."""

    def __init__(
        self, bucket: str, client: S3Client, workers: int = DEFAULT_WORKERS, rules: Rules = DEFAULT_RULES
    ) -> None:
        self.bucket = bucket
        self.client = client
        self.workers = workers
        self.rules = rules

    def list_day(self, day: date) -> Iterator[PartialObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=partial_prefix(day)):
            for item in page.get("Contents", []):
                if item["Key"].endswith(".json"):
                    yield PartialObject(item["Key"], item["LastModified"])

    def newest_write(self, day: date) -> datetime | None:
        """When the most recent partial of `day` was written (listing only, no bodies)."""
        return max((obj.last_modified for obj in self.list_day(day)), default=None)

    def fetch(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def merge_day(self, day: date) -> DayMerge:
        deduper = Deduper(self.fetch, self.rules)
        merged = merge_stream(self.list_day(day), self.fetch, self.workers, deduper)
        found = merged.partial["date"]
        if found is not None and found != day.isoformat():
            raise ReportError(f"partials under {partial_prefix(day)} are for {found}")
        return merged
