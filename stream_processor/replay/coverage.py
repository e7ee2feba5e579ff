"""Foreign replays never add to what is already counted: refuse, or set the covering partials aside.

Export-task and Firehose objects cannot reproduce the batch ids of live delivery (CloudWatch
batches events separately for each subscription destination, and export text has no batch at
all), so their partials land beside the live ones instead of overwriting them. Before a foreign
replay writes anything, `check` finds the partials that already count the replayed log groups on
the replayed days (every day that has partials, when the range is open). Without `--replace`
that is an error naming the flag. With it (and a closed range and `--log-group`), each covering
partial and the archive object it was built from move to `superseded/` (same key below it: kept,
but read neither by the daily report nor by an archive replay), and the day's rollups are
deleted (derived from the partials; without them the daily report reads the partials). A
partial that also counts another log group, or whose batch reaches a day outside the range,
cannot be set aside alone: that is refused too, saying what to replay instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import aggregate
from ..errors import LogReviewError
from .days import DayRange

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CopySourceTypeDef

SUPERSEDED = "superseded/"
FOREIGN = ("firehose", "export")
REPLACE_FLAG = "--replace"


@dataclass(frozen=True, slots=True)
class Covering:
    """A partial that already counts some of the replayed events, and what it was built from."""

    key: str
    day: dt.date
    groups: frozenset[str]
    archives: tuple[str, ...]
    elsewhere: tuple[str, ...]  # partials of the same batches on days outside the range


@dataclass(slots=True)
class Coverage:
    """What `check` found; `moved` and `rollups` are filled by `set_aside`."""

    days: list[dt.date]
    groups: tuple[str, ...]
    window: DayRange
    found: list[Covering] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    rollups: list[str] = field(default_factory=list)


def _edges(window: DayRange) -> list[dt.date]:
    """The days just outside a bounded range (a batch may run one day past its edge)."""
    day = dt.timedelta(days=1)
    return [
        edge for edge in (window.since and window.since - day, window.until and window.until + day) if edge
    ]


def _counted_days(client: S3Client, bucket: str, window: DayRange) -> list[dt.date]:
    """Days in range that have partials (one delimited listing of `aggregates/`)."""
    found = []
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix="aggregates/", Delimiter="/"
    ):
        for prefix in page.get("CommonPrefixes", []):
            name = prefix["Prefix"][len("aggregates/") :].strip("/")
            if name.startswith("dt="):
                try:
                    day = dt.date.fromisoformat(name[3:])
                except ValueError:
                    continue
                if window.covers_day(day):
                    found.append(day)
    return sorted(found)


def _keys(client: S3Client, bucket: str, prefix: str) -> Iterator[str]:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield item["Key"]


def _ident(key: str) -> str:
    """The invocation (or batch) id a partial or archive key ends with."""
    return key.rsplit("/", 1)[-1].split(".", 1)[0]


def _by_ident(keys: Iterator[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key in keys:
        found.setdefault(_ident(key), []).append(key)
    return found


def check(client: S3Client, bucket: str, window: DayRange, groups: Sequence[str]) -> Coverage:
    """The partials on the range's days (any day when it is open) that count any of `groups`
    (every group when empty)."""
    days = _counted_days(client, bucket, window)
    coverage = Coverage(days, tuple(groups), window)
    if not days:
        return coverage
    wanted = set(groups)
    before = days[0] - dt.timedelta(days=1)
    archives = _by_ident(k for d in (before, *days) for k in _keys(client, bucket, f"archive/dt={d}/"))
    outside = _by_ident(k for d in _edges(window) for k in _keys(client, bucket, f"aggregates/dt={d}/"))
    for day in days:
        for key in _keys(client, bucket, f"aggregates/dt={day}/"):
            if not key.endswith(".json"):
                continue
            partial = aggregate.decode(client.get_object(Bucket=bucket, Key=key)["Body"].read())
            found = frozenset(partial["windows"])
            if not found or (wanted and not found & wanted):
                continue
            named = partial.get("archive")  # schema 2 bundles name their archive object
            ident = _ident(key)
            linked = (named,) if isinstance(named, str) else tuple(archives.get(ident, ()))
            coverage.found.append(Covering(key, day, found, linked, tuple(outside.get(ident, ()))))
    return coverage


def refusal(coverage: Coverage, source_format: str) -> str:
    """The message that stops a foreign replay over days the live path already counted."""
    groups = ", ".join(coverage.groups) or "every log group"
    first, last = coverage.found[0].day, coverage.found[-1].day
    days = f"{first}" + (f" to {last}" if last != first else "")
    return (
        f"refusing to replay {source_format} objects for {groups} on {days}: "
        f"{len(coverage.found):,} partial(s) already count those events (live delivery or an earlier "
        f"replay; e.g. {coverage.found[0].key}), and {source_format} batches never match their ids, "
        f"so a replay would count them twice. Re-run with {REPLACE_FLAG} to move those partials and "
        f"their archive objects to {SUPERSEDED} and count the replayed objects instead, or replay "
        "--format archive to rebuild from our own archive."
    )


def _blocked(coverage: Coverage, groups: Collection[str]) -> str | None:
    for found in coverage.found:
        others = sorted(found.groups - set(groups))
        if others:
            return (
                f"{found.key} also counts {', '.join(others)}, which this replay does not replace: "
                f"add --log-group for it (if the objects hold it) or replay --format archive"
            )
        if found.elsewhere:
            return (
                f"{found.key} comes from batches that also reach {found.elsewhere[0]}, outside "
                "--since/--until: widen the range by a day"
            )
    return None


def set_aside(client: S3Client, bucket: str, coverage: Coverage) -> Coverage:
    """Move the covering partials and their archive objects under `superseded/`; drop the rollups."""
    if not coverage.groups:
        raise LogReviewError(f"{REPLACE_FLAG} needs --log-group: the log groups whose counts are replaced")
    if coverage.window.since is None or coverage.window.until is None:
        raise LogReviewError(f"{REPLACE_FLAG} needs --since and --until: the days whose counts are replaced")
    blocked = _blocked(coverage, coverage.groups)
    if blocked:
        raise LogReviewError(f"cannot {REPLACE_FLAG}: {blocked}")
    for found in coverage.found:
        for key in (*found.archives, found.key):
            if key not in coverage.moved:
                _move(client, bucket, key)
                coverage.moved.append(key)
    for day in sorted({found.day for found in coverage.found}):
        for key in _keys(client, bucket, f"rollups/dt={day}/"):
            client.delete_object(Bucket=bucket, Key=key)
            coverage.rollups.append(key)
    return coverage


def _move(client: S3Client, bucket: str, key: str) -> None:
    source: CopySourceTypeDef = {"Bucket": bucket, "Key": key}
    client.copy_object(Bucket=bucket, Key=SUPERSEDED + key, CopySource=source, ServerSideEncryption="AES256")
    client.delete_object(Bucket=bucket, Key=key)
