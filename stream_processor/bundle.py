"""Bundles: the partials of one invocation, one per UTC day, and exactly-once counting across them.

An invocation (one Lambda event: a direct subscription batch, or many Kinesis records) is the
unit of writing: one archive object and one bundle per UTC day touched. A bundle is the `merge`
of the per-batch partials of its day (`pipeline.aggregate_batch`) and names the batch ids it
covers, so a reader can drop a batch it has already counted:

- `BatchLedger.admit` tells whether a partial is new, a duplicate, or overlaps what was counted;
- `rebuild` recomputes a bundle from its archive object without the batches already counted.
  Because a bundle is a merge of per-batch partials, the rebuilt bundle is byte-identical to one
  that never held those batches. Pure: no I/O here (daily_report/source.py does the S3 part).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from . import aggregate
from .decode import Batch, envelope_to_batch, loads_lenient, split_members
from .errors import DecodeError
from .pipeline import DEFAULT_RULES, Rules, aggregate_batch

ARCHIVE_MAX_DECOMPRESSED = 1024 * 1024 * 1024  # an invocation holds at most ~6 MB of payloads


def invocation_id(batch_ids: Iterable[str]) -> str:
    """The id of an invocation: its batch id when it holds one batch, else a digest of the sorted
    ids. Record order does not change it; a different grouping does."""
    ids = sorted(set(batch_ids))
    if not ids:
        raise ValueError("an invocation without batches has no id")
    if len(ids) == 1:
        return ids[0]
    return hashlib.sha256("\n".join(ids).encode("ascii")).hexdigest()[:32]


def bundles(per_batch: Iterable[aggregate.Partial], archive: str | None) -> list[aggregate.Partial]:
    """Per-batch partials (any days) → one bundle per day, sorted by day, naming `archive`."""
    days: dict[str, aggregate.Partial] = {}
    ids: dict[str, set[str]] = {}
    for partial in per_batch:
        aggregate.merge_into(days.setdefault(partial["date"], aggregate.empty()), partial)
        ids.setdefault(partial["date"], set()).update(partial["batch_ids"] or ())
    out = []
    for day, merged in sorted(days.items()):
        merged.update(partials=1, batch_ids=sorted(ids[day]), archive=archive)
        out.append(merged)
    return out


@dataclass(frozen=True, slots=True)
class Admission:
    """What the ledger says about one partial: `new`, `duplicate` or `overlap` (`fresh` ids to keep)."""

    status: str
    fresh: tuple[str, ...] = ()


@dataclass(slots=True)
class BatchLedger:
    """The batch ids counted so far (as 128-bit ints: about 70 bytes each in a set)."""

    seen: set[int] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.seen)

    def __contains__(self, batch_id: str) -> bool:
        return _key(batch_id) in self.seen

    def record(self, batch_ids: Iterable[str]) -> None:
        """Count ids without a partial (e.g. the ids a rollup says it covers)."""
        self.seen.update(map(_key, batch_ids))

    def admit(self, partial: aggregate.Partial) -> Admission:
        """Classify `partial` and record its unseen ids (the caller merges or rebuilds at once).

        A partial that names no ids (a merged partial such as a rollup) is `new` and records
        nothing: whoever wrote it knows what it covers and records that with `record`.
        """
        ids = partial.get("batch_ids")
        if not ids:
            return Admission("new")
        keys = [_key(i) for i in ids]
        fresh = [i for i, k in zip(ids, keys, strict=True) if k not in self.seen]
        self.seen.update(keys)
        if len(fresh) == len(ids):
            return Admission("new")
        return Admission("overlap", tuple(fresh)) if fresh else Admission("duplicate")


def _key(batch_id: str) -> int:
    try:
        return int(batch_id, 16)
    except ValueError:  # not hex (a foreign id): still exact, just a larger key
        return int.from_bytes(batch_id.encode("utf-8", "surrogatepass"), "big") << 1 | 1


def archive_batches(raw: bytes, cap: int = ARCHIVE_MAX_DECOMPRESSED) -> list[tuple[bytes, Batch]]:
    """(payload bytes, batch) of every member of an archive object, in order."""
    out = []
    for member, text in split_members(raw, cap):
        out.append((member, envelope_to_batch(loads_lenient(text))))
    return out


def rebuild(
    raw_archive: bytes,
    day: str,
    keep: Sequence[str],
    archive: str | None,
    rules: Rules = DEFAULT_RULES,
) -> aggregate.Partial:
    """The bundle of `day` from an archive object, holding only the batches in `keep`.

    Raises ValueError when a kept batch is not in the archive (the partial and its archive
    disagree: counting anything would be a guess).
    """
    wanted = set(keep)
    per_batch: list[aggregate.Partial] = []
    found: set[str] = set()
    try:
        members = archive_batches(raw_archive)
    except DecodeError as exc:
        raise ValueError(f"archive {archive} cannot be decoded: {exc.reason}: {exc.detail}") from None
    for _, batch in members:
        if batch.batch_id in wanted and batch.batch_id not in found:
            found.add(batch.batch_id)
            per_batch.extend(p for p in aggregate_batch(batch, rules) if p["date"] == day)
    missing = wanted - found
    if missing:
        raise ValueError(f"archive {archive} lacks {len(missing)} batches its bundle names")
    (rebuilt,) = bundles(per_batch, archive) or [_nothing(day, archive)]
    return rebuilt


def _nothing(day: str, archive: str | None) -> aggregate.Partial:
    empty = aggregate.empty()
    empty.update(date=day, partials=1, batch_ids=[], archive=archive)
    return empty
