"""A day read hour by hour: each hour's rollup plus the partials it does not cover.

Planning looks at the 24 hours at once (bounded): GET the hour's rollup, list the hour's
partials and join the two (`rollup_doc.classify`):

- no rollup → the hour's partials are read directly;
- a usable rollup → the rollup is merged, plus the *late* partials written after it;
- a stale rollup (a partial it covers was rewritten since, e.g. a replay under new rules) → the
  rollup is ignored and the hour's partials are read; if some partials it covers have also expired
  (lifecycle), the hour cannot be rebuilt and the error says how to recreate them.

Partials directly under `aggregates/dt=DAY/` (keys without an hour) are always read. Since
`merge` is associative and commutative, the result is the merge of every partial of the day, and
the report built from it is byte-identical to the one built without rollups.

Each batch is counted once (Kinesis mode: the same batch in bundles of several invocations, maybe
under several hours). Every partial read here goes through one `Deduper`, whose ledger holds what
the merged rollups count (`Rollup.counted`). When some rollup recorded multi-batch `batch_ids`,
the rollups are taken in hour order and one that counts a batch an earlier one counts already is
set aside: its hour is read from its partials instead, through the same ledger (an overlapping
bundle is rebuilt from its archive without the counted batches). When no rollup did (every
Direct-mode day), no rollup can share a batch with another, and the ledger learns their covered
names only if a multi-batch partial turns up among the reads: memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import TYPE_CHECKING, Protocol

from stream_processor import aggregate
from stream_processor.aggregate import HOURS
from stream_processor.bundle import BatchLedger
from stream_processor.observability import logger

from ..errors import ReportError
from .merge import DayMerge, merge_stream
from .reader import partial_prefix
from .rollup_doc import PartialObject, Rollup, classify, hour_prefix, rollup_key

if TYPE_CHECKING:
    from .reader import PartialSource

PLAN_WORKERS = 8  # hours planned at once: bounds the rollup documents held in memory


@dataclass(slots=True)
class HourPlan:
    """How one hour will be read: a usable rollup and its late partials, or all its partials."""

    hour: int
    rollup: Rollup | None
    late: list[PartialObject] = field(default_factory=list)
    listed: int = 0

    @property
    def direct(self) -> bool:
        return self.rollup is None

    @property
    def reads(self) -> int:
        """Partial objects this hour costs beyond its rollup."""
        return self.listed if self.rollup is None else len(self.late)


@dataclass(slots=True)
class DayPlan:
    day: date
    hours: list[HourPlan]

    @property
    def reads(self) -> int:
        return sum(hour.reads for hour in self.hours)

    def rolled_up(self) -> list[int]:
        return [plan.hour for plan in self.hours if plan.rollup is not None]


def plan_hour(source: PartialSource, day: date, hour: int) -> HourPlan:
    """One hour's plan (see the module docstring); the rollup's covers are dropped once joined."""
    rollup = source.rollup(day, hour)
    if rollup is None:
        return HourPlan(hour, None, listed=sum(1 for _ in source.list_hour(day, hour)))
    prefix = hour_prefix(day, hour)
    try:
        state = classify(source.list_hour(day, hour), rollup.covers, prefix)
    except ValueError as exc:
        raise ReportError(str(exc)) from exc
    rollup.covers = ""
    if state.usable:
        return HourPlan(hour, rollup, state.late, state.listed)
    if state.expired:
        raise ReportError(
            f"{rollup_key(day, hour)} is stale ({len(state.stale)} partials rewritten since, e.g. "
            f"{prefix}{state.stale[0]}) and {state.expired} partials it covers have expired: replay "
            f"the archive of {day} so every partial of the hour is rewritten, then rerun"
        )
    return HourPlan(hour, None, listed=state.listed)


def plan_day(source: PartialSource, day: date, hours: list[int] | None = None) -> DayPlan:
    """Plan the given hours (default all 24), `PLAN_WORKERS` at once."""
    chosen = list(HOURS) if hours is None else hours
    with ThreadPoolExecutor(max_workers=PLAN_WORKERS, thread_name_prefix="plan") as pool:
        plans = list(pool.map(lambda hour: plan_hour(source, day, hour), chosen))
    return DayPlan(day, plans)


def plan_trusted(source: PartialSource, day: date, hours: list[int]) -> list[HourPlan]:
    """Hours whose rollups were just brought up to date by the rollup function (the fan-out):
    they cover every partial listed under the hour when it ran, so no listing is needed here."""
    plans = []
    for hour in hours:
        rollup = source.rollup(day, hour)
        if rollup is None:
            raise ReportError(f"{rollup_key(day, hour)} vanished after its refresh")
        rollup.covers = ""
        plans.append(HourPlan(hour, rollup, listed=rollup.objects))
    return plans


def _reads(source: PartialSource, plan: DayPlan) -> Iterator[PartialObject]:
    """Every partial object to fetch, lazily: hour-less ones, late ones, then direct hours."""
    late = (obj for hour in plan.hours for obj in hour.late)
    direct = (obj for hour in plan.hours if hour.direct for obj in source.list_hour(plan.day, hour.hour))
    return chain(source.list_unhoured(plan.day), late, direct)


def _rolled_up(source: PartialSource, plan: DayPlan) -> Iterator[tuple[HourPlan, Rollup]]:
    """Each planned rollup with its covers, re-read at the version the plan holds (by ETag)."""
    for hour in plan.hours:
        if hour.rollup is not None:
            pinned = source.rollup(plan.day, hour.hour, hour.rollup.etag)
            if pinned is None:
                raise ReportError(f"{rollup_key(plan.day, hour.hour)} vanished while the day was merged")
            yield hour, pinned


def counted_by_rollups(source: PartialSource, plan: DayPlan) -> Iterator[str]:
    """The batch ids the plan's rollups count (the lazy seed of a Direct-mode day's ledger)."""
    for _, rollup in _rolled_up(source, plan):
        yield from rollup.counted()


def settle_overlaps(source: PartialSource, plan: DayPlan, ledger: BatchLedger) -> list[int]:
    """Record what the rollups count, hour by hour; a rollup counting a batch already recorded is
    set aside and its hour read from its current partials (none may have expired). The hours set aside."""
    aside = []
    for hour, rollup in _rolled_up(source, plan):
        if any(batch_id in ledger for batch_id in rollup.counted()):
            prefix = hour_prefix(plan.day, hour.hour)
            state = classify(source.list_hour(plan.day, hour.hour), rollup.covers, prefix, keep_late=False)
            if state.expired:
                raise ReportError(
                    f"{rollup_key(plan.day, hour.hour)} counts batches another hour counts too, and "
                    f"{state.expired} partials it covers have expired: replay the archive of "
                    f"{plan.day} so the hour's partials exist again, then rerun"
                )
            hour.rollup, hour.late, hour.listed = None, [], state.listed
            aside.append(hour.hour)
        else:
            ledger.record(rollup.counted())
    return aside


def merge_planned(source: PartialSource, plan: DayPlan) -> DayMerge:
    """Merge the plan: its rollups, then the fetched partials (streamed, bounded), each batch once."""
    deduper = source.deduper()
    if any(hour.rollup is not None and hour.rollup.batch_ids for hour in plan.hours):
        aside = settle_overlaps(source, plan, deduper.ledger)
        if aside:
            logger.info("rollups overlap, reading their hours", extra={"hours": aside})
    else:
        deduper.seed = lambda: counted_by_rollups(source, plan)
    merged = merge_stream(_reads(source, plan), source.fetch, source.workers, deduper)
    for hour in plan.hours:
        if hour.rollup is not None:
            try:
                aggregate.merge_into(merged.partial, hour.rollup.partial)
            except ValueError as exc:
                raise ReportError(f"{rollup_key(plan.day, hour.hour)}: {exc}") from exc
            merged.objects += hour.rollup.objects
    return merged


class Refresher(Protocol):
    """What brings a day's rollups up to date before the merge (`fanout.FanOut`)."""

    def refresh(self, source: PartialSource, day: date, wait: float | None = None) -> DayPlan: ...


def merge_day(
    source: PartialSource, day: date, refresher: Refresher | None = None, wait: float | None = None
) -> DayMerge:
    """The day merged. With a `refresher` (the fan-out to the rollup function): refresh the 24
    rollups, waiting at most `wait` seconds, merge them and what could not be refreshed; without:
    list every hour here and merge rollups + what they miss."""
    plan = refresher.refresh(source, day, wait) if refresher is not None else plan_day(source, day)
    merged = merge_planned(source, plan)
    found = merged.partial["date"]
    if found is not None and found != day.isoformat():
        raise ReportError(f"partials under {partial_prefix(day)} are for {found}")
    return merged
