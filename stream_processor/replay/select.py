"""Which objects a replay reads, listed without walking the whole bucket.

- `archive`: the `dt=` partitions under the archive root are discovered with one delimited
  listing; only days in range (plus the day before `--since`: a batch archived under its first
  event's day may run past midnight into the range) are listed, and with `--log-group` only the
  `hour=HH/{group}/` prefixes of those days.
- `firehose`: under the prefix; when the prefix has Firehose's default `YYYY/MM/DD/` layout and
  both ends of the range are given, only the delivery days from `--since` to the day after
  `--until` (records arrive after they were logged).
- `export`: the `NNNNNN.gz` objects under the prefix (an export task covers its own time range).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import LogReviewError
from ..sinks.s3 import group_path
from .days import DayRange
from .export import is_export_object

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ARCHIVE_ROOT = "archive/"
_DAY_PARTITION = re.compile(r"dt=(\d{4}-\d\d-\d\d)/")
_YEAR = re.compile(r"\d{4}/")


@dataclass(frozen=True, slots=True)
class SourceObject:
    """One object to replay, and how to read it."""

    bucket: str
    key: str
    size: int
    format: str
    log_groups: tuple[str, ...] = ()  # export: the one group exported; firehose: envelopes to keep
    lookback: bool = False  # archived the day before the range: replay only if it reaches into it

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://BUCKET/PREFIX` → (bucket, prefix)."""
    if not url.startswith("s3://") or len(url) <= 5:
        raise LogReviewError(f"not an s3://BUCKET/PREFIX address: {url!r}")
    bucket, _, prefix = url[5:].partition("/")
    if not bucket:
        raise LogReviewError(f"no bucket in {url!r}")
    return bucket, prefix


def list_objects(client: S3Client, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
    """(key, size) of every object under `prefix`, in key order."""
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            yield entry["Key"], entry.get("Size", 0)


def list_folders(client: S3Client, bucket: str, prefix: str) -> list[str]:
    """The common prefixes one level below `prefix` (a delimited listing: no objects walked)."""
    folders: list[str] = []
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/")
    for page in pages:
        folders.extend(entry["Prefix"] for entry in page.get("CommonPrefixes", []) if "Prefix" in entry)
    return folders


def select_archive(
    client: S3Client, bucket: str, root: str, window: DayRange, groups: Sequence[str]
) -> Iterator[SourceObject]:
    """Archive objects of the days in range (and the lookback day), optionally of some groups."""
    paths = {group_path(group) for group in groups}
    for folder in list_folders(client, bucket, root):
        match = _DAY_PARTITION.fullmatch(folder[len(root) :])
        if match is None:
            continue
        day = dt.date.fromisoformat(match.group(1))
        lookback = window.lookback(day)
        if not (lookback or window.covers_day(day)):
            continue
        for prefix in _group_prefixes(client, bucket, folder, paths):
            for key, size in list_objects(client, bucket, prefix):
                if key.endswith(".gz") and (not paths or key.split("/")[-2] in paths):
                    yield SourceObject(bucket, key, size, "archive", lookback=lookback)


def _group_prefixes(client: S3Client, bucket: str, day_folder: str, paths: set[str]) -> list[str]:
    if not paths:
        return [day_folder]
    hours = list_folders(client, bucket, day_folder)
    return [f"{hour}{path}/" for hour in hours for path in sorted(paths)]


def select_firehose(
    client: S3Client, bucket: str, prefix: str, window: DayRange, groups: Sequence[str]
) -> Iterator[SourceObject]:
    """Firehose objects under `prefix`, by delivery day when the default layout allows it.
    Their keys do not name a log group: `groups` filters the envelopes inside (formats.py)."""
    for folder in _firehose_day_folders(client, bucket, prefix, window):
        for key, size in list_objects(client, bucket, folder):
            if not key.endswith("/"):
                yield SourceObject(bucket, key, size, "firehose", log_groups=tuple(groups))


def _firehose_day_folders(client: S3Client, bucket: str, prefix: str, window: DayRange) -> list[str]:
    if window.since is None or window.until is None:
        return [prefix]
    base = prefix if prefix.endswith("/") or not prefix else prefix + "/"
    folders = list_folders(client, bucket, base)
    if not folders or not all(_YEAR.fullmatch(folder[len(base) :]) for folder in folders):
        return [prefix]
    days = (window.until - window.since).days + 2
    return [f"{base}{window.since + dt.timedelta(days=n):%Y/%m/%d}/" for n in range(days)]


def select_export(client: S3Client, bucket: str, prefix: str, log_group: str) -> Iterator[SourceObject]:
    """Export-task data objects under `prefix`; they all belong to `log_group`."""
    for key, size in list_objects(client, bucket, prefix):
        if is_export_object(key):
            yield SourceObject(bucket, key, size, "export", log_groups=(log_group,))


def select(
    client: S3Client, url: str, fmt: str, window: DayRange, groups: Sequence[str]
) -> Iterator[SourceObject]:
    """The objects of one replay source; raises LogReviewError for an impossible request."""
    bucket, prefix = parse_s3_url(url)
    if fmt == "archive":
        root = prefix or ARCHIVE_ROOT
        return select_archive(client, bucket, root if root.endswith("/") else root + "/", window, groups)
    if fmt == "firehose":
        return select_firehose(client, bucket, prefix, window, groups)
    if fmt == "export":
        if len(groups) != 1:
            raise LogReviewError(
                "--format export needs exactly one --log-group (an export task exports one group)"
            )
        return select_export(client, bucket, prefix, groups[0])
    raise LogReviewError(f"unknown format {fmt!r}")
