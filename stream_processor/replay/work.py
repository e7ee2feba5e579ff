"""Replay one object: read it, split it into payloads (formats), feed each to `Ingest`.

The same `Ingest` as the live path does decode → archive → aggregate → partials, so batch ids
and keys are the same and a replay overwrites instead of adding. Replays emit no per-batch EMF
metrics: replayed events are not new activity, and old security events must not page anyone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import aggregate
from ..errors import DecodeError
from ..ingest import Ingest
from ..pipeline import decode_data
from ..sinks import MetricsSink
from .days import DayRange
from .export import export_items
from .formats import Invalid, Item, Skipped, archive_items, firehose_items
from .select import ARCHIVE_ROOT, SourceObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MAX_NOTES = 50  # quarantine/failure lines kept for the summary


class ReplayMetrics(MetricsSink):
    """Decode failures still count (QuarantinedBatches); batch metrics are not emitted."""

    def batch(self, partials: list[aggregate.Partial], processing_ms: float) -> None:
        return None

    def control_message(self) -> None:
        return None


class SilentMetrics(ReplayMetrics):
    """For the command line: EMF lines on a terminal reach no CloudWatch."""

    def decode_failure(self) -> None:
        return None


@dataclass(slots=True)
class Tally:
    """What a replay did; `notes` name each quarantined part and failed object."""

    objects: int = 0
    bytes: int = 0
    batches: int = 0
    events: int = 0
    skipped: int = 0
    quarantined: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)
    notes_dropped: int = 0

    def add(self, other: Tally) -> None:
        for name in ("objects", "bytes", "batches", "events", "skipped", "quarantined", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for text in other.notes:
            self.note(text)
        self.notes_dropped += other.notes_dropped

    @property
    def ok(self) -> bool:
        """Nothing failed and nothing was quarantined."""
        return self.failed == 0 and self.quarantined == 0

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)
        else:
            self.notes_dropped += 1


def object_items(obj: SourceObject, raw: bytes, window: DayRange) -> Iterator[Item]:
    """Dispatch on the object's format."""
    origin = f"replay:{obj.format}:{obj.url}"
    if obj.format == "archive":
        return archive_items(raw, origin, window, obj.lookback)
    if obj.format == "firehose":
        return firehose_items(raw, origin, window, obj.log_groups)
    if obj.format == "export":
        return export_items(raw, obj.key, obj.log_groups[0], window, origin)
    raise ValueError(f"unknown replay format {obj.format!r}")


@dataclass(slots=True)
class ObjectReplayer:
    """Reads objects with `client` and feeds them to `ingest`; `ingest=None` is a dry run."""

    client: S3Client
    ingest: Ingest | None
    window: DayRange = field(default_factory=DayRange)
    _in_place: Ingest | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        # An object of our own archive/ replayed into its own bucket already is the archive copy
        # Ingest would write (same batch id, same key): skip that PUT and the new object version.
        if self.ingest is not None:
            self._in_place = dataclasses.replace(self.ingest, archive=False)

    def _ingest_for(self, obj: SourceObject) -> Ingest | None:
        if self.ingest is None or obj.format != "archive":
            return self.ingest
        in_place = obj.bucket == self.ingest.sink.bucket and obj.key.startswith(ARCHIVE_ROOT)
        return self._in_place if in_place else self.ingest

    def __call__(self, obj: SourceObject) -> Tally:
        return self.replay(obj, self.window)

    def replay(self, obj: SourceObject, window: DayRange) -> Tally:
        """Read one object and feed every payload in it; S3 errors propagate."""
        raw = self.client.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
        tally = Tally(objects=1, bytes=len(raw))
        ingest = self._ingest_for(obj)
        for item in object_items(obj, raw, window):
            if isinstance(item, Skipped):
                tally.skipped += 1
            elif isinstance(item, Invalid):
                self._quarantine(item, tally)
            else:
                feed(ingest, item.raw, item.origin, tally)
        return tally

    def _quarantine(self, item: Invalid, tally: Tally) -> None:
        tally.quarantined += 1
        if self.ingest is None:
            tally.note(f"would quarantine {item.origin}: {item.reason} ({item.detail})")
            return
        key = self.ingest.sink.quarantine(item.raw, item.reason, item.detail, item.origin)
        self.ingest.metrics.decode_failure()
        tally.note(f"quarantined {item.origin}: {item.reason} → {key}.bin")


def feed(ingest: Ingest | None, data: str | bytes, origin: str, tally: Tally) -> None:
    """One payload (compressed bytes or base64 text) through Ingest, or counted in a dry run."""
    if ingest is None:
        _count_dry(data, origin, tally)
        return
    outcome = ingest(data, origin)
    if outcome.status == "processed":
        tally.batches += 1
        tally.events += outcome.events
    elif outcome.status == "skipped":
        tally.skipped += 1
    else:
        tally.quarantined += 1
        tally.note(f"quarantined {origin}: {outcome.reason} → {outcome.keys[0]}")


def _count_dry(data: str | bytes, origin: str, tally: Tally) -> None:
    try:
        batch = decode_data(data)
    except DecodeError as exc:
        tally.quarantined += 1
        tally.note(f"would quarantine {origin}: {exc.reason} ({exc.detail})")
        return
    if batch.is_control or not batch.events:
        tally.skipped += 1
    else:
        tally.batches += 1
        tally.events += len(batch.events)
