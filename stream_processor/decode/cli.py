"""Print a subscription payload's log events as JSON lines (for a payload that looks wrong).

Accepts a Lambda event file (`{"awslogs": ...}` or Kinesis `Records`), a bare base64 string, raw
gzip/zlib bytes, or an already decompressed envelope (`{"logEvents": ...}`); `-` reads standard
input. Output: one JSON object per log event, exactly as decoded (ids as strings).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

import orjson

from ..errors import DecodeError, LogReviewError
from ..pipeline import decode_data
from .payload import DEFAULT_MAX_DECOMPRESSED, Batch, decode_payload, envelope_to_batch, looks_compressed
from .sources import payloads


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="event file, base64 payload or compressed payload; - for stdin")
    parser.add_argument("--envelope", action="store_true", help="print batch metadata before events")


def _batches(raw: bytes) -> Iterator[Batch]:
    if looks_compressed(raw):
        yield decode_payload(raw, DEFAULT_MAX_DECOMPRESSED)
        return
    text = raw.strip()
    if text[:1] == b"{":
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise DecodeError("not_json", f"the file starts with '{{' but is not JSON: {exc}") from None
        if isinstance(doc, dict) and "logEvents" in doc:
            yield envelope_to_batch(doc)
            return
        for payload in payloads(doc):
            yield decode_data(payload.data)
        return
    yield decode_data(text)


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise LogReviewError(f"cannot read {name}: {exc.strerror}") from None


def run(args: argparse.Namespace) -> int:
    raw = _read(args.file)
    out = sys.stdout.buffer
    for batch in _batches(raw):
        if args.envelope:
            meta = {
                "messageType": batch.message_type,
                "owner": batch.owner,
                "logGroup": batch.log_group,
                "logStream": batch.log_stream,
                "batch_id": batch.batch_id,
                "events": len(batch.events),
            }
            out.write(orjson.dumps(meta) + b"\n")
        for event in batch.events:
            out.write(orjson.dumps(event) + b"\n")
    out.flush()
    return 0
