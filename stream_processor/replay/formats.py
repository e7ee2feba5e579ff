"""Replay formats (pure, no I/O): the bytes of one S3 object → the subscription payloads it holds.

An object yields `Payload`s (compressed envelopes, fed to `Ingest` exactly like a live delivery),
`Invalid` parts (quarantined with a reason) and `Skipped` entries (control messages, no events,
outside the day range), so every part of an object is accounted for.

- `archive`: our own archive object is the payloads of one invocation, one gzip member each, each
  followed by a newline member since objects became JSON lines (docs/design.md §5; the newline
  members are skipped, so both shapes replay alike); replayed as one invocation, it recreates the
  same archive and bundle keys.
- `firehose`: gzip members back to back (or plain text), each holding one or more JSON envelopes
  concatenated with or without newlines. Each envelope is kept whole, so its batch id is the one
  it had when delivered live and a replay overwrites instead of adding.
- `export`: CloudWatch Logs export-task text, see `export.py`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Collection, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ..decode import Batch, decode_payload, envelope_to_batch, iter_members, looks_compressed, split_members
from ..errors import DecodeError
from .days import DayRange, day_of

FORMATS = ("archive", "firehose", "export")
MAX_BATCH_EVENTS = 10_000  # CloudWatch Logs' own limits for one subscription batch
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26  # bytes CloudWatch adds per event when it sizes a batch
OBJECT_MAX_DECOMPRESSED = 512 * 1024 * 1024  # a Firehose object can hold up to 128 MiB of gzip
_ENVELOPE_START = '{"messageType"'
_JSON = json.JSONDecoder()


@dataclass(frozen=True, slots=True)
class Payload:
    """One compressed subscription payload, ready for `Ingest`."""

    raw: bytes
    origin: str


@dataclass(frozen=True, slots=True)
class Invalid:
    """A part of an object that is no valid envelope: to be quarantined with its reason."""

    raw: bytes
    reason: str
    detail: str
    origin: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A part deliberately not replayed: `control_message`, `no_events`, `outside_range` or
    `other_group`; `events` counts the events it held."""

    reason: str
    events: int = 0


Item = Payload | Invalid | Skipped


def gzip_envelope(doc: bytes) -> bytes:
    """Deterministic gzip (mtime 0): replaying twice archives identical bytes."""
    return gzip.compress(doc, compresslevel=6, mtime=0)


def envelope_json(batch: Batch, events: Sequence[dict[str, Any]]) -> bytes:
    """A subscription envelope for (a chunk of) a batch, as CloudWatch would write it."""
    doc = {
        "messageType": "DATA_MESSAGE",
        "owner": batch.owner,
        "logGroup": batch.log_group,
        "logStream": batch.log_stream,
        "subscriptionFilters": list(batch.subscription_filters),
        "logEvents": list(events),
    }
    return orjson.dumps(doc)


def chunk_events(events: Sequence[dict[str, Any]], split_days: bool) -> list[list[dict[str, Any]]]:
    """Split events in their given order into batches within CloudWatch's limits (deterministic).

    With `split_days` a chunk never crosses a UTC midnight, so each chunk is archived under the
    day of all its events and a day-range replay selects whole chunks.
    """
    chunks: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for event in events:
        cost = len(event["message"].encode("utf-8", "surrogatepass")) + EVENT_OVERHEAD
        new_day = split_days and current and day_of(event["timestamp"]) != day_of(current[-1]["timestamp"])
        if current and (new_day or len(current) >= MAX_BATCH_EVENTS or size + cost > MAX_BATCH_BYTES):
            chunks.append(current)
            current, size = [], 0
        current.append(event)
        size += cost
    if current:
        chunks.append(current)
    return chunks


def archive_items(raw: bytes, origin: str, window: DayRange, lookback: bool) -> Iterator[Item]:
    """Our archive object: each gzip member is one payload, byte-identical to the one received.

    The object is replayed whole (one invocation: the same keys as the live one), or, when it is
    a `lookback` object (archived the day before the range), only if one of its batches runs
    past midnight into the range. A member that cannot be split off leaves the object as one
    payload, which Ingest quarantines with the reason."""
    try:
        members = [member for member, _ in split_members(raw, OBJECT_MAX_DECOMPRESSED)]
    except DecodeError:
        yield Payload(raw, origin)
        return
    if lookback and not any(_reaches(member, window) for member in members):
        yield Skipped("outside_range", sum(_events(member) for member in members))
        return
    if len(members) <= 1:  # one payload (Direct mode) is replayed without the line end after it
        yield Payload(members[0] if members else raw, origin)
        return
    for index, member in enumerate(members):
        yield Payload(member, f"{origin}#member={index}")


def _reaches(member: bytes, window: DayRange) -> bool:
    try:
        return window.touches(decode_payload(member).events)
    except DecodeError:
        return True  # replayed, so Ingest quarantines it with its reason


def _events(member: bytes) -> int:
    try:
        return len(decode_payload(member).events)
    except DecodeError:
        return 0


def firehose_items(
    raw: bytes,
    origin: str,
    window: DayRange,
    groups: Collection[str] = (),
    cap: int = OBJECT_MAX_DECOMPRESSED,
) -> Iterator[Item]:
    """Every envelope of a Firehose object (compressed members or plain concatenated JSON);
    with `groups`, envelopes of other log groups are skipped."""
    try:
        for index, text in enumerate(_texts(raw, cap)):
            where = f"{origin}#member={index}"
            for offset, part, value in split_json(text.decode("utf-8", "surrogateescape")):
                envelope = part.encode("utf-8", "surrogateescape")
                yield from _envelope_items(envelope, value, f"{where}@{offset}", window, groups)
    except DecodeError as exc:  # a broken member: the whole object is kept, what came before is in
        yield Invalid(raw, exc.reason, exc.detail, origin)


def _texts(raw: bytes, cap: int) -> Iterator[bytes]:
    """Decompressed texts: each member, one level of nesting (Firehose's own gzip), or plain."""
    if not looks_compressed(raw):
        yield raw
        return
    for member in iter_members(raw, cap):
        if looks_compressed(member):
            yield from iter_members(member, cap)
        else:
            yield member


def split_json(text: str) -> Iterator[tuple[int, str, Any]]:
    """(offset, text, value) of every JSON value in `text`, one per line or back to back.

    A part that is not JSON yields `value` = `DecodeError` and runs to the next envelope start.
    """
    pos, end, slow_until = 0, len(text), 0
    while True:
        while pos < end and text[pos] in " \t\r\n\x00":
            pos += 1
        if pos >= end:
            return
        if pos >= slow_until:  # the fast path: one envelope per line
            stop = text.find("\n", pos)
            stop = end if stop < 0 else stop
            try:
                value = orjson.loads(text[pos:stop])
            except orjson.JSONDecodeError:
                slow_until = stop  # values back to back on this line: scan it with raw_decode
            else:
                yield pos, text[pos:stop], value
                pos = stop
                continue
        pos = yield from _raw_value(text, pos)


def _raw_value(text: str, pos: int) -> Generator[tuple[int, str, Any], None, int]:
    """Yield the JSON value at `pos` (or the unparseable part up to the next envelope); return its end."""
    try:
        value, after = _JSON.raw_decode(text, pos)
    except (ValueError, RecursionError) as exc:
        after = text.find(_ENVELOPE_START, pos + 1)
        after = len(text) if after < 0 else after
        yield pos, text[pos:after], DecodeError("not_json", str(exc)[:200])
    else:
        yield pos, text[pos:after], value
    return after


def _envelope_items(
    part: bytes, value: Any, origin: str, window: DayRange, groups: Collection[str]
) -> Iterator[Item]:
    if isinstance(value, DecodeError):
        yield Invalid(part, value.reason, value.detail, origin)
        return
    try:
        batch = envelope_to_batch(value)
    except DecodeError as exc:
        yield Invalid(part, exc.reason, exc.detail, origin)
        return
    if groups and not batch.is_control and batch.log_group not in groups:
        yield Skipped("other_group", len(batch.events))
        return
    # in a bounded range, an envelope crossing the range's midnight is cut there: a foreign replay
    # writes exactly the days it replaces (coverage.py), never the day next to them
    yield from batch_items(batch, part, origin, window, split_days=not window.is_open)


def batch_items(
    batch: Batch, part: bytes | None, origin: str, window: DayRange, split_days: bool
) -> Iterator[Item]:
    """A decoded batch → payloads within the limits; `part` is its original JSON text, if any."""
    if batch.is_control:
        yield Skipped("control_message")
        return
    if not batch.events:
        yield Skipped("no_events")
        return
    chunks = chunk_events(batch.events, split_days)
    for index, events in enumerate(chunks):
        if not window.touches(events):
            yield Skipped("outside_range", len(events))
            continue
        doc = part if part is not None and len(chunks) == 1 else envelope_json(batch, events)
        yield Payload(gzip_envelope(doc), origin if len(chunks) == 1 else f"{origin}/chunk={index}")
