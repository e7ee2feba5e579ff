"""The evidence objects of a day in the bucket: list their current versions and hash their bytes.

Evidence is what a reviewer must be able to trust later: the raw archive of the day
(`archive/dt=DAY/`) and its reports (`reports/YYYY/MM/DD/`). Hashes are always computed from the
bytes read back (never taken from S3 metadata), in parallel; a GET costs what a HEAD costs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING

from .digest import Entry

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

WORKERS = 16
CHUNK = 1 << 20
Progress = Callable[[int, int], None]  # (done, total)


def day_prefixes(day: date) -> tuple[str, str]:
    """The archive and report prefixes of `day`."""
    return f"archive/dt={day.isoformat()}/", f"reports/{day:%Y/%m/%d}/"


def current_versions(client: S3Client, bucket: str, prefix: str) -> Iterator[tuple[str, str, int]]:
    """(key, version id, size) of every key under `prefix` whose latest version is an object
    (a key whose latest version is a delete marker is gone). Unversioned buckets give `null`."""
    pages = client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix)
    for page in pages:
        for version in page.get("Versions", []):
            if version.get("IsLatest"):
                yield version["Key"], str(version.get("VersionId") or "null"), int(version.get("Size", 0))


def sha256_of(client: S3Client, bucket: str, key: str, version_id: str) -> str:
    """Hex sha256 of one object version's stored bytes (no content decoding)."""
    extra = {} if version_id == "null" else {"VersionId": version_id}
    body = client.get_object(Bucket=bucket, Key=key, **extra)["Body"]  # type: ignore[arg-type]
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def observe(client: S3Client, bucket: str, day: date, progress: Progress | None = None) -> list[Entry]:
    """Every evidence object of `day` as it is now, hashed."""
    listed = [found for prefix in day_prefixes(day) for found in current_versions(client, bucket, prefix)]

    def hashed(item: tuple[str, str, int]) -> Entry:
        key, version_id, size = item
        return Entry(key, version_id, sha256_of(client, bucket, key, version_id), size)

    result: list[Entry] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for entry in pool.map(hashed, listed):
            result.append(entry)
            if progress is not None:
                progress(len(result), len(listed))
    return result
