"""Merge partial aggregates as a stream (fetched on a bounded pool), counting each batch once.

The objects to read come lazily (a paginated listing); at most `2 × workers` objects are in flight at
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

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from queue import Empty, SimpleQueue

from stream_processor import aggregate
from stream_processor.bundle import BatchLedger, rebuild
from stream_processor.pipeline import DEFAULT_RULES, Rules

from ..errors import ReportError
from .rollup_doc import PartialObject

DEFAULT_WORKERS = 16


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

    def add(self, obj: PartialObject, body: bytes | memoryview) -> None:
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
