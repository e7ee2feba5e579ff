"""Rollups: merge one UTC hour's partials into `rollups/dt=YYYY-MM-DD/hour=HH.json`.

The Lambda's event (docs/design.md §12, `handler`): an EventBridge scheduled event rolls up the hour before
the previous one (the run at 05:07 rolls up 03:00-04:00, leaving late deliveries an hour);
`{"hour": "YYYY-MM-DDTHH"}` rolls up that hour; `{"date": "YYYY-MM-DD"}` all 24 hours of that day;
`{"time": T, "hours_back": n}` the hour n hours before T (the catch-up schedule sends n = 0 every
15 minutes, so that the current hour's rollup grows in small steps and no single run has a whole
hour to merge). An optional `"token"` (the daily job's fan-out) is written into the rollup's
metadata, even when nothing changed.

A run is incremental and idempotent. With no rollup yet (or a stale one: a covered partial was
rewritten since), it merges every partial listed under the hour. With a usable rollup it merges
only the late partials into it. With nothing new it writes nothing. Partials are read with
`If-Match` on the listed ETag, so the ETag recorded in `covers` is the one of the bytes merged; a
partial rewritten mid-run fails the run (Lambda retries) rather than recording a wrong ETag.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from heapq import merge as merge_sorted
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from stream_processor import aggregate
from stream_processor.aggregate import HOURS
from stream_processor.config import load_config
from stream_processor.observability import logger
from stream_processor.pipeline import Rules
from stream_processor.sinks.aws_errors import changed
from stream_processor.sinks.s3 import s3_client

from ..days import is_scheduled, parse_day, parse_time
from ..errors import ReportError
from ..source.fanout import REFRESH_METADATA
from ..source.merge import DEFAULT_WORKERS, merge_stream
from ..source.reader import PartialSource
from ..source.rollup_doc import (
    PartialObject,
    Rollup,
    classify,
    cover_entries,
    hour_prefix,
    id_lines,
    join_ids,
    rollup_key,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LATE_HOURS = 2  # a scheduled run rolls up the hour that ended this long ago


class RollupError(ReportError):
    """An hour could not be rolled up exactly (rewritten partials, expired partials)."""


def parse_hour(text: object) -> tuple[date, int]:
    """`YYYY-MM-DDTHH` → (day, hour); anything else is a clear error."""
    if not isinstance(text, str) or len(text) != 13 or text[10] != "T" or not text[11:].isdigit():
        raise RollupError(f"not an hour (YYYY-MM-DDTHH): {text!r}")
    hour = int(text[11:])
    if hour > 23:
        raise RollupError(f"not an hour (00-23): {text!r}")
    return parse_day(text[:10]), hour


def format_hour(day: date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}"


def event_hours(event: Mapping[str, Any]) -> list[tuple[date, int]]:
    """The (day, hour) pairs an invocation rolls up."""
    if "hour" in event:
        return [parse_hour(event["hour"])]
    if "date" in event:
        day = parse_day(event["date"])
        return [(day, hour) for hour in HOURS]
    if "hours_back" in event:  # the catch-up schedule: {"time": <event time>, "hours_back": 0}
        back = event["hours_back"]
        if not isinstance(back, int) or isinstance(back, bool) or not 0 <= back <= 48:
            raise RollupError(f"'hours_back' must be an integer 0-48: {back!r}")
        moment = parse_time(event.get("time")).astimezone(UTC) - timedelta(hours=back)
        return [(moment.date(), moment.hour)]
    if is_scheduled(event):
        moment = parse_time(event.get("time")).astimezone(UTC) - timedelta(hours=LATE_HOURS)
        return [(moment.date(), moment.hour)]
    raise RollupError(
        f"event is neither a scheduled event, {{'hour': 'YYYY-MM-DDTHH'}} nor {{'date': 'YYYY-MM-DD'}}:"
        f" keys {sorted(event)[:10]}"
    )


@dataclass(frozen=True, slots=True)
class HourResult:
    """What one hour's run did: `written`, `unchanged`; objects covered and partials fetched now."""

    hour: str
    status: str
    objects: int
    fetched: int
    key: str

    def summary(self) -> dict[str, Any]:
        return {"hour": self.hour, "status": self.status, "objects": self.objects, "fetched": self.fetched}


class Roller:
    """Rolls up hours of one bucket; every put sends SSE AES256."""

    def __init__(self, source: PartialSource) -> None:
        self.source = source
        self.token: str | None = None

    @property
    def client(self) -> S3Client:
        return self.source.client

    def fetch_exact(self, obj: PartialObject) -> bytes:
        """The partial's bytes, only if they still have the listed ETag."""
        try:
            response = self.client.get_object(Bucket=self.source.bucket, Key=obj.key, IfMatch=f'"{obj.etag}"')
        except ClientError as exc:
            if changed(exc):
                raise RollupError(f"{obj.key} was rewritten during the rollup; run it again") from exc
            raise
        body: bytes = response["Body"].read()
        return body

    def roll_up(self, day: date, hour: int, token: str | None = None) -> HourResult:
        """Bring the hour's rollup up to date. With a `token` (a daily job's refresh request) the
        rollup is written even when unchanged (same bytes), carrying the token in its metadata:
        the daily job sees by a HEAD that the hour was checked after its request."""
        self.token = token
        existing = self.source.rollup(day, hour)
        if existing is not None:
            state = classify(self.source.list_hour(day, hour), existing.covers, existing.prefix)
            if state.usable and not state.late:
                if token is not None:
                    self._put(day, hour, existing)
                return self._result(day, hour, "unchanged", existing.objects, 0)
            if state.usable:
                return self._extend(day, hour, existing, state.late)
            if state.expired:
                raise RollupError(
                    f"{rollup_key(day, hour)}: {len(state.stale)} covered partials were rewritten and "
                    f"{state.expired} have expired; replay the archive of {day} and run the rollup again"
                )
            logger.info(
                "rollup stale, rebuilding", extra={"hour": format_hour(day, hour), "stale": state.stale[:5]}
            )
        return self._rebuild(day, hour)

    def _extend(self, day: date, hour: int, existing: Rollup, late: list[PartialObject]) -> HourResult:
        """A usable rollup plus the partials written after it, each batch counted once: the ledger
        starts with the rollup's recorded batch ids (a late single batch may be inside one of its
        bundles) and, from the first late multi-batch bundle on, with every name it covers."""
        prefix = existing.prefix
        roaming = set(id_lines(existing.batch_ids))
        deduper = self.source.deduper(seed=existing.counted)
        deduper.ledger.record(roaming)
        merged = merge_stream(late, self.fetch_exact, self.source.workers, deduper, roaming)
        aggregate.merge_into(existing.partial, merged.partial)
        added = sorted((obj.key[len(prefix) :], obj.etag) for obj in late)
        covers = "\n".join(
            f"{name} {etag}" for name, etag in merge_sorted(cover_entries(existing.covers), added)
        )
        rollup = Rollup(
            existing.date,
            hour,
            prefix,
            existing.objects + merged.objects,
            covers,
            existing.partial,
            join_ids(roaming),
        )
        self._put(day, hour, rollup)
        return self._result(day, hour, "written", rollup.objects, merged.objects)

    def _rebuild(self, day: date, hour: int) -> HourResult:
        """Every partial listed under the hour, merged from scratch."""
        prefix = hour_prefix(day, hour)
        names: list[str] = []

        def listing() -> Iterator[PartialObject]:
            for obj in self.source.list_hour(day, hour):
                names.append(f"{obj.key[len(prefix) :]} {obj.etag}")
                yield obj

        roaming: set[str] = set()
        deduper = self.source.deduper()
        merged = merge_stream(listing(), self.fetch_exact, self.source.workers, deduper, roaming)
        found = merged.partial["date"]
        if found is not None and found != day.isoformat():
            raise RollupError(f"partials under {prefix} are for {found}")
        rollup = Rollup(
            day.isoformat(), hour, prefix, merged.objects, "\n".join(names), merged.partial, join_ids(roaming)
        )
        self._put(day, hour, rollup)
        return self._result(day, hour, "written", rollup.objects, merged.objects)

    def _put(self, day: date, hour: int, rollup: Rollup) -> None:
        self.client.put_object(
            Bucket=self.source.bucket,
            Key=rollup_key(day, hour),
            Body=rollup.encode(),
            ContentType="application/json",
            ServerSideEncryption="AES256",
            Metadata={REFRESH_METADATA: self.token} if self.token else {},
        )

    @staticmethod
    def _result(day: date, hour: int, status: str, objects: int, fetched: int) -> HourResult:
        return HourResult(format_hour(day, hour), status, objects, fetched, rollup_key(day, hour))


def roll_up_hours(
    roller: Roller,
    hours: list[tuple[date, int]],
    on_hour: Callable[[HourResult], None] | None = None,
    token: str | None = None,
) -> list[HourResult]:
    """Roll up hours one after another (each already fetches on a pool); report each when done."""
    results = []
    for day, hour in hours:
        result = roller.roll_up(day, hour, token)
        results.append(result)
        if on_hour is not None:
            on_hour(result)
    return results


def configured_rules() -> Rules:
    """The live path's rules (CONFIG_PARAMETER + USER_RULES_PARAMETER): a bundle overlapping
    batches already counted is rebuilt from its archive with them. Loaded on the first overlap
    only, so a Direct-mode rollup never reads SSM."""
    return load_config().rules


def from_environment(bucket: str | None = None, workers: int = DEFAULT_WORKERS) -> Roller:
    name = bucket or os.environ.get("REPORT_BUCKET")
    if not name:
        raise RollupError("no report bucket: set REPORT_BUCKET or pass --bucket")
    return Roller(PartialSource(name, s3_client(), workers, rules=configured_rules))
