"""The hourly rollup document (pure): one UTC hour's partials merged, and exactly what it covers.

`rollups/dt=YYYY-MM-DD/hour=HH.json` holds::

    {"schema": 1, "date": "YYYY-MM-DD", "hour": "HH", "prefix": "aggregates/dt=.../hour=HH/",
     "objects": n,                         # partial objects merged in
     "covers": "name etag\\nname etag...", # every merged key (relative to prefix) with its ETag, sorted
     "batch_ids": "id\\nid...",            # only when a merged partial held several batches
     "partial": {merged partial}}

A listed partial is *covered* when its name is in `covers` with the same ETag (S3 ETags of
single-part SSE-S3 objects are the MD5 of the body, so an overwrite with the same bytes keeps it).
A listed name missing from `covers` is *late* (written after the rollup); a name whose ETag
changed is *stale* (rewritten, e.g. a replay with other rules): the rollup no longer describes the
hour and must be rebuilt or bypassed. A covered name no longer listed has *expired* (lifecycle);
its content stays in the rollup. `covers` is one string, not a list, so that a large hour costs
one Python object instead of one per partial, and it is walked lazily beside the (sorted) listing.

Which CloudWatch batches a rollup counts (for exactly-once across rollups): a single-batch partial
is named by its batch id (`{batch_id}.json`) and can only ever be written under its own hour, so
`covers` names it. A multi-batch bundle (Kinesis mode) is named by a digest, and the same batch
may also sit in another bundle, under another hour: the rollup records the batch ids of such
partials in `batch_ids` (sorted hex ids, one string). Direct-mode hours have none, and their
document has no `batch_ids` key at all (the same bytes as before the field existed).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson

from stream_processor import aggregate

SCHEMA = 1
ROOT = "rollups/"


def rollup_key(day: date, hour: int) -> str:
    """`rollups/dt=YYYY-MM-DD/hour=HH.json`."""
    return f"{ROOT}dt={day.isoformat()}/hour={hour:02d}.json"


def hour_prefix(day: date, hour: int) -> str:
    """`aggregates/dt=YYYY-MM-DD/hour=HH/`: where the stream processor writes that hour's partials."""
    return f"aggregates/dt={day.isoformat()}/hour={hour:02d}/"


def plain_etag(etag: str) -> str:
    """S3 quotes ETags (`"abc"`); covers keep them bare."""
    return etag.strip('"')


@dataclass(frozen=True, slots=True)
class PartialObject:
    """One listed partial: its key, when S3 last wrote it, and its bare ETag (when listed)."""

    key: str
    last_modified: datetime
    etag: str = ""


@dataclass(slots=True)
class Rollup:
    """A decoded rollup document."""

    date: str
    hour: int
    prefix: str
    objects: int
    covers: str
    partial: aggregate.Partial
    batch_ids: str = ""  # sorted ids of the multi-batch partials merged, "\n"-separated
    etag: str = ""  # of the stored object, when read from S3 (not part of the document)

    def encode(self) -> bytes:
        doc = {
            "schema": SCHEMA,
            "date": self.date,
            "hour": f"{self.hour:02d}",
            "prefix": self.prefix,
            "objects": self.objects,
            "covers": self.covers,
            "partial": self.partial,
        }
        if self.batch_ids:
            doc["batch_ids"] = self.batch_ids
        return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)

    def counted(self) -> Iterator[str]:
        """Every batch id the rollup counts: its covered names (a single-batch partial's name is its
        batch id; a bundle's digest name matches no batch) and its recorded `batch_ids`."""
        for name, _ in cover_entries(self.covers):
            yield name.removesuffix(".json")
        yield from id_lines(self.batch_ids)


def decode(data: bytes, key: str) -> Rollup:
    """Bytes written by `Rollup.encode` → Rollup; anything else is a ValueError naming the key."""
    try:
        doc: Any = orjson.loads(data)
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            raise ValueError("not a schema-1 rollup")
        partial = doc["partial"]
        if not isinstance(partial, dict) or not isinstance(partial.get("windows"), dict):
            raise ValueError("its 'partial' is not a partial aggregate")
        batch_ids = doc.get("batch_ids", "")
        if not isinstance(batch_ids, str):
            raise ValueError("its 'batch_ids' is not a string")
        return Rollup(
            doc["date"],
            int(doc["hour"]),
            doc["prefix"],
            int(doc["objects"]),
            doc["covers"],
            partial,
            batch_ids,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"{key} is not a rollup document: {exc}") from exc


def cover_entries(covers: str) -> Iterator[tuple[str, str]]:
    """(name, etag) pairs of a covers string, in order, without splitting it all at once."""
    start, end = 0, len(covers)
    while start < end:
        stop = covers.find("\n", start)
        stop = end if stop < 0 else stop
        name, _, etag = covers[start:stop].partition(" ")
        yield name, etag
        start = stop + 1


def id_lines(text: str) -> Iterator[str]:
    """The ids of a `batch_ids` string, lazily."""
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        stop = end if stop < 0 else stop
        yield text[start:stop]
        start = stop + 1


def join_ids(ids: Iterable[str]) -> str:
    """A `batch_ids` string: the distinct ids, sorted."""
    return "\n".join(sorted(set(ids)))


@dataclass(frozen=True, slots=True)
class Joined:
    """One name of an hour: what the rollup recorded (etag or None) and what is listed (or None)."""

    name: str
    recorded: str | None
    listed: PartialObject | None

    @property
    def state(self) -> str:
        if self.listed is None:
            return "expired"
        if self.recorded is None:
            return "late"
        return "covered" if self.recorded == self.listed.etag else "stale"


def join(listing: Iterable[PartialObject], covers: str, prefix: str) -> Iterator[Joined]:
    """Merge-join a key-ordered listing of `prefix` with a sorted covers string (O(1) memory).

    S3 lists keys in UTF-8 binary order; a listing out of order would make the join wrong, so it is
    an error rather than a silent miscount.
    """
    entries = cover_entries(covers)
    pending = next(entries, None)
    previous = ""
    for obj in listing:
        name = obj.key[len(prefix) :] if obj.key.startswith(prefix) else obj.key
        if name <= previous:
            raise ValueError(f"listing of {prefix} is not in key order at {obj.key}")
        previous = name
        while pending is not None and pending[0] < name:
            yield Joined(pending[0], pending[1], None)
            pending = next(entries, None)
        if pending is not None and pending[0] == name:
            yield Joined(name, pending[1], obj)
            pending = next(entries, None)
        else:
            yield Joined(name, None, obj)
    while pending is not None:
        yield Joined(pending[0], pending[1], None)
        pending = next(entries, None)


@dataclass(slots=True)
class HourState:
    """How an hour's listing relates to its rollup: counts, the late objects, and staleness."""

    listed: int = 0
    covered: int = 0
    expired: int = 0
    stale: list[str] = field(default_factory=list)
    late: list[PartialObject] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """The rollup still describes every partial it covers (none rewritten since)."""
        return not self.stale


def classify(listing: Iterable[PartialObject], covers: str, prefix: str, keep_late: bool = True) -> HourState:
    """Walk the join once; keep only late objects (few, by definition) and stale names."""
    state = HourState()
    for joined in join(listing, covers, prefix):
        kind = joined.state
        if kind != "expired":
            state.listed += 1
        if kind == "covered":
            state.covered += 1
        elif kind == "expired":
            state.expired += 1
        elif kind == "stale":
            state.stale.append(joined.name)
        elif keep_late and joined.listed is not None:
            state.late.append(joined.listed)
    return state
