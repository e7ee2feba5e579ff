"""Input: a Lambda event of any accepted shape (sources.py) → subscription payloads → base64,
gzip/zlib under a hard cap, JSON envelope → `Batch` (payload.py); `logreview decode` (cli.py)."""

from __future__ import annotations

from .payload import (
    CONTROL_MESSAGE,
    DEFAULT_MAX_DECOMPRESSED,
    GZIP_BACKEND,
    LINE_MEMBER,
    Batch,
    b64decode,
    batch_id,
    decode_payload,
    decompress,
    envelope_to_batch,
    iter_members,
    loads_lenient,
    looks_compressed,
    split_members,
)

__all__ = [
    "CONTROL_MESSAGE",
    "DEFAULT_MAX_DECOMPRESSED",
    "GZIP_BACKEND",
    "LINE_MEMBER",
    "Batch",
    "b64decode",
    "batch_id",
    "decode_payload",
    "decompress",
    "envelope_to_batch",
    "iter_members",
    "loads_lenient",
    "looks_compressed",
    "split_members",
]
