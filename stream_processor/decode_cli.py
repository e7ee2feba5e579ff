"""Print a subscription payload's log events as JSON lines (for a payload that looks wrong).

Accepts a Lambda event file (`{"awslogs": ...}` or Kinesis `Records`), a bare base64 string, or
raw gzip/zlib bytes; `-` reads standard input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

import orjson

from .decode import DEFAULT_MAX_DECOMPRESSED, Batch, decode_payload, looks_compressed
from .pipeline import decode_data
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
        for payload in payloads(orjson.loads(text)):
            yield decode_data(payload.data)
        return
    yield decode_data(text)


def run(args: argparse.Namespace) -> int:
    raw = sys.stdin.buffer.read() if args.file == "-" else open(args.file, "rb").read()  # noqa: SIM115
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
