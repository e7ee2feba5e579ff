"""CloudWatch Logs export-task objects (pure): `PREFIX/TASK_ID/LOG_STREAM/000000.gz`.

Each object is gzip text; a line that begins with an ISO-8601 timestamp and a space starts an
event, any other line continues the previous event's message (stack traces). Export objects carry
no event ids and no log group, so:

- the log group is given by the caller (an export task exports exactly one group);
- the stream is the key path between the task id and the file name (stream names may hold `/`);
- each event's id is derived from the object key and the byte offset of its first line
  (sha256 → 56 decimal digits, the shape of CloudWatch ids), so replaying the same export twice
  gives the same batch ids and overwrites;
- events are sorted by (timestamp, position in the file) and chunked without crossing a UTC
  midnight, so each event lands on its day and a day-range replay selects whole, stable chunks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from typing import Any

from ..decode import Batch, iter_members, looks_compressed
from ..errors import DecodeError
from .days import DayRange
from .formats import OBJECT_MAX_DECOMPRESSED, Invalid, Item, batch_items

EXPORT_OWNER = "export-task"  # export objects do not say which account they came from
_STAMP = re.compile(rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d))(?: |$)")
_TASK_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_OBJECT_NAME = re.compile(r"\d+\.gz")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def is_export_object(key: str) -> bool:
    """Export data objects are `NNNNNN.gz`; the task's `aws-logs-write-test` object is not one."""
    return _OBJECT_NAME.fullmatch(key.rsplit("/", 1)[-1]) is not None


def stream_from_key(key: str) -> str:
    """The log stream of an export object: the path between the task id (a UUID) and the file
    name, as stream names may hold `/`; without a task id in the key, the parent folder's name."""
    parts = key.split("/")
    for index, part in enumerate(parts[:-1]):
        if _TASK_ID.fullmatch(part):
            return "/".join(parts[index + 1 : -1]) or part
    return parts[-2] if len(parts) > 1 else key


def event_id(key: str, offset: int) -> str:
    """A stable 56-digit id for the event starting at byte `offset` of object `key`."""
    digest = hashlib.sha256(f"{key}\x1f{offset}".encode("utf-8", "surrogatepass")).digest()
    return f"{int.from_bytes(digest, 'big') % 10**56:056d}"


def line_stamp(line: bytes) -> tuple[int, int] | None:
    """(timestamp ms, where the message starts) when `line` starts an event, else None."""
    match = _STAMP.match(line)
    if match is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(match.group(1).decode("ascii"))
    except ValueError:
        return None  # looks like a timestamp but is no date: a continuation line
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1), match.end()


def parse_export_text(text: bytes, key: str) -> tuple[list[dict[str, Any]], bytes]:
    """Events of one export object, in file order, and the lines before the first timestamp."""
    events: list[dict[str, Any]] = []
    lines: list[bytes] = []
    orphan: list[bytes] = []
    offset = 0
    for line in text.split(b"\n"):
        start = line_stamp(line)
        if start is not None:
            _close(events, lines)
            events.append({"id": event_id(key, offset), "timestamp": start[0], "message": ""})
            lines = [line[start[1] :]]
        elif events:
            lines.append(line)
        else:
            orphan.append(line)
        offset += len(line) + 1
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the file
    _close(events, lines)
    return events, b"\n".join(orphan).strip()


def _close(events: list[dict[str, Any]], lines: list[bytes]) -> None:
    if events and lines:
        events[-1]["message"] = b"\n".join(lines).decode("utf-8", "replace")


def export_items(
    raw: bytes, key: str, log_group: str, window: DayRange, origin: str, cap: int = OBJECT_MAX_DECOMPRESSED
) -> Iterator[Item]:
    """Payloads of one export object: events sorted by (timestamp, file order), chunked per UTC day."""
    try:
        text = b"".join(iter_members(raw, cap)) if looks_compressed(raw) else raw
        events, orphan = parse_export_text(text, key)
    except DecodeError as exc:
        yield Invalid(raw, exc.reason, exc.detail, origin)
        return
    if orphan:
        yield Invalid(orphan, "orphan_lines", "text before the first timestamped line", origin)
    events.sort(key=lambda e: e["timestamp"])  # stable: ties keep file order
    stream = stream_from_key(key)
    batch = Batch(
        "DATA_MESSAGE",
        EXPORT_OWNER,
        log_group,
        stream,
        (),
        events,
        "",  # each chunk gets its own batch id when Ingest decodes it
    )
    yield from batch_items(batch, None, origin, window, split_days=True)
