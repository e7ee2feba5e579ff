"""Decode a subscription payload: base64 → gzip/zlib (hard output cap) → JSON envelope → Batch.

Every failure is a `DecodeError` with a reason code; nothing else escapes (property-tested).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import orjson

from ..errors import DecodeError

_inflate: ModuleType
try:  # isal (a core dependency) inflates 1.4-2x faster; the stdlib where its wheel is missing
    from isal import isal_zlib as _inflate
except ImportError:  # pragma: no cover - exercised where isal is absent (tests block its import)
    _inflate = zlib
GZIP_BACKEND = "zlib" if _inflate is zlib else "isal"

DEFAULT_MAX_DECOMPRESSED = 64 * 1024 * 1024
CONTROL_MESSAGE = "CONTROL_MESSAGE"
_MAX_TIMESTAMP = 2**53  # ms; past it a JSON number loses integer precision
_GZIP_MAGIC = b"\x1f\x8b"
_ZLIB_SECOND = (b"\x01", b"\x5e", b"\x9c", b"\xda")  # after 0x78: the four levels zlib writes
# A gzip member holding one newline (fixed bytes, mtime 0). The archive writes one after every
# payload, so an object decompresses to one envelope per line: JSON lines, what Athena reads.
LINE_MEMBER = bytes.fromhex("1f8b0800000000000203e302009306d73201000000")


@dataclass(frozen=True, slots=True)
class Batch:
    """One subscription payload: one log group + one log stream, events in delivery order.

    `events` are dicts with `id` (always `str`), `timestamp` (int, ms UTC), `message` (str) and,
    when the subscription filter extracted them, `extractedFields`.
    """

    message_type: str
    owner: str
    log_group: str
    log_stream: str
    subscription_filters: tuple[str, ...]
    events: list[dict[str, Any]] = field(repr=False)
    batch_id: str

    @property
    def is_control(self) -> bool:
        """CloudWatch sends a CONTROL_MESSAGE to check the destination is reachable; no data."""
        return self.message_type == CONTROL_MESSAGE


def b64decode(data: str | bytes) -> bytes:
    """Strict base64 (invalid characters are an error, not silently dropped)."""
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecodeError("not_base64", str(exc)) from None


def looks_compressed(raw: bytes) -> bool:
    """True when the bytes start with a gzip or zlib header (so they are not base64 text)."""
    return raw[:2] == _GZIP_MAGIC or (raw[:1] == b"\x78" and raw[1:2] in _ZLIB_SECOND)


def _wbits(raw: bytes) -> int:
    if raw[:2] == _GZIP_MAGIC:
        return 31
    if looks_compressed(raw):
        return 15  # a zlib header (RFC 1950 method and check bits)
    raise DecodeError("not_compressed", f"neither gzip nor zlib (first bytes {raw[:4].hex()!r})")


def _inflate_capped(inflater: Any, data: bytes | memoryview, total: int, cap: int) -> bytes:
    """Inflate `data`; `total` bytes came out before and all together may not pass `cap`."""
    try:
        out: bytes = inflater.decompress(data, cap - total + 1)
    except (zlib.error, _inflate.error) as exc:
        raise DecodeError("corrupt_compressed", str(exc)) from None
    if total + len(out) > cap:
        raise DecodeError("too_large", f"decompresses past the {cap}-byte cap")
    return out


def iter_members(raw: bytes, cap: int = DEFAULT_MAX_DECOMPRESSED) -> Iterator[bytes]:
    """Decompress every gzip/zlib member back to back; total output capped at `cap` bytes."""
    total = 0
    rest = raw
    while rest:
        inflater = _inflate.decompressobj(_wbits(rest))
        out = _inflate_capped(inflater, rest, total, cap)
        total += len(out)
        if not inflater.eof:
            raise DecodeError("truncated", "compressed stream ends before its end marker")
        yield out
        rest = inflater.unused_data.lstrip(b"\x00")


_FIRST_CHUNK = 16 * 1024
_LAST_CHUNK = 1024 * 1024


def split_members(raw: bytes, cap: int = DEFAULT_MAX_DECOMPRESSED) -> Iterator[tuple[bytes, bytes]]:
    """(compressed bytes, decompressed bytes) of every member back to back, in order.

    The compressed part is byte-identical to the slice of `raw` it came from (an archive object
    is its payloads concatenated, so these are the payloads as received). Input is fed in growing
    chunks, so an object of many small members costs O(size), not O(size × members); NUL padding
    between members is skipped, and so is a member holding only a newline (the archive's line end,
    `LINE_MEMBER`: no archived payload ever decompressed to that, so objects written before it was
    added read as before); total output is capped at `cap` bytes.
    """
    view, start, total = memoryview(raw), 0, 0
    while start < len(raw):
        inflater = _inflate.decompressobj(_wbits(raw[start : start + 2]))
        pieces, pos, chunk = [], start, _FIRST_CHUNK
        while not inflater.eof:
            feed = inflater.unconsumed_tail or view[pos : pos + chunk]
            if not inflater.unconsumed_tail:
                pos += len(feed)
                chunk = min(chunk * 2, _LAST_CHUNK)
            piece = _inflate_capped(inflater, feed, total, cap)
            total += len(piece)
            if not piece and not feed and not inflater.eof:
                raise DecodeError("truncated", "compressed stream ends before its end marker")
            pieces.append(piece)
        end = pos - len(inflater.unused_data)
        text = b"".join(pieces)
        if text != b"\n":
            yield raw[start:end], text
        start = end
        while start < len(raw) and raw[start] == 0:
            start += 1


def decompress(raw: bytes, cap: int = DEFAULT_MAX_DECOMPRESSED) -> bytes:
    """Decompress one subscription payload (a single gzip or zlib member)."""
    if raw:  # the usual payload, one member: as `iter_members` inflates it, without the generator
        inflater = _inflate.decompressobj(_wbits(raw))
        out = _inflate_capped(inflater, raw, 0, cap)
        if not inflater.eof:
            raise DecodeError("truncated", "compressed stream ends before its end marker")
        if not inflater.unused_data.lstrip(b"\x00"):
            return out
    members = iter_members(raw, cap)  # empty, or more follows: the member-by-member reading decides
    first = next(members, None)
    if first is None:
        raise DecodeError("empty", "payload is empty")
    if next(members, None) is not None:
        raise DecodeError("multiple_members", "more than one compressed member in one payload")
    return first


def loads_lenient(text: bytes) -> Any:
    """orjson, falling back to the stdlib for invalid UTF-8 and lone surrogates (replaced)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        value = json.loads(text.decode("utf-8", "replace"))
        return orjson.loads(json.dumps(value, ensure_ascii=False).encode("utf-8", "replace"))
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and exc.doc[exc.pos : exc.pos + 1] == "{":
            raise DecodeError(
                "concatenated_json",
                f"several JSON documents back to back ({exc}): a Firehose-style object, which replay "
                "splits; a subscription payload holds exactly one envelope",
            ) from None
        raise DecodeError("not_json", str(exc)[:200]) from None
    except (ValueError, RecursionError) as exc:
        raise DecodeError("not_json", str(exc)[:200]) from None


def batch_id(owner: str, log_group: str, log_stream: str, events: list[dict[str, Any]]) -> str:
    """Deterministic id (docs/design.md §5): sha256 over owner, group, stream, every (id, timestamp) in
    order, and a digest of the messages.

    The messages are covered because some emulators number events from 0 in every call: two
    different batches of one stream can share every id and timestamp, and must not share a key.
    """
    parts = [owner, log_group, log_stream]
    messages = hashlib.sha256()
    for event in events:
        parts.append(event["id"])
        parts.append(str(event["timestamp"]))
        text = event["message"].encode("utf-8", "surrogatepass")
        messages.update(len(text).to_bytes(8, "big"))
        messages.update(text)
    parts.append(messages.hexdigest())
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def _text(envelope: dict[str, Any], key: str) -> str:
    value = envelope.get(key)
    if not isinstance(value, str):
        raise DecodeError("bad_envelope", f"{key!r} is missing or not a string")
    return value


def _events(raw_events: object) -> list[dict[str, Any]]:
    if not isinstance(raw_events, list):
        raise DecodeError("bad_envelope", "'logEvents' is missing or not a list")
    for index, event in enumerate(raw_events):
        if type(event) is dict:  # the usual event, already in shape: one test, nothing to change
            stamp = event.get("timestamp")
            if (
                type(stamp) is int
                and 0 <= stamp < _MAX_TIMESTAMP
                and type(event.get("id")) is str
                and type(event.get("message")) is str
            ):
                continue
        _normalise(index, event)
    return raw_events


def _normalise(index: int, event: object) -> None:
    """Check one event (ids become strings, a non-string message text), or raise naming it."""
    if not isinstance(event, dict):
        raise DecodeError("bad_event", f"logEvents[{index}] is not an object")
    stamp = event.get("timestamp")
    if not isinstance(stamp, int) or isinstance(stamp, bool) or not 0 <= stamp < _MAX_TIMESTAMP:
        raise DecodeError("bad_event", f"logEvents[{index}].timestamp is not a valid integer")
    event_id = event.get("id")
    if not isinstance(event_id, str):
        if event_id is None or isinstance(event_id, dict | list):
            raise DecodeError("bad_event", f"logEvents[{index}].id is missing")
        event["id"] = str(event_id)
    message = event.get("message")
    if not isinstance(message, str):
        event["message"] = "" if message is None else orjson.dumps(message).decode()


def envelope_to_batch(envelope: object) -> Batch:
    """Validate a decoded JSON envelope and build the Batch (ids normalised to str)."""
    if not isinstance(envelope, dict):
        raise DecodeError("bad_envelope", f"envelope is a JSON {type(envelope).__name__}, not an object")
    message_type = envelope.get("messageType", "DATA_MESSAGE")
    if message_type == CONTROL_MESSAGE:
        return Batch(CONTROL_MESSAGE, str(envelope.get("owner", "")), "", "", (), [], "")
    owner, group, stream = envelope.get("owner"), envelope.get("logGroup"), envelope.get("logStream")
    if type(owner) is not str or type(group) is not str or type(stream) is not str:
        owner, group, stream = (_text(envelope, k) for k in ("owner", "logGroup", "logStream"))
    events = _events(envelope.get("logEvents"))
    filters = envelope.get("subscriptionFilters")
    filters_t = tuple(map(str, filters)) if isinstance(filters, list) else ()
    return Batch(
        str(message_type), owner, group, stream, filters_t, events, batch_id(owner, group, stream, events)
    )


def decode_payload(raw: bytes, cap: int = DEFAULT_MAX_DECOMPRESSED) -> Batch:
    """Compressed payload bytes (base64 already removed) → Batch."""
    return envelope_to_batch(loads_lenient(decompress(raw, cap)))
