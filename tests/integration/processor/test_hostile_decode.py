"""Hostile payloads through the StreamProcessor handler against moto's server: fuzzed and
mutated payloads never raise out of the handler (each is processed, skipped or quarantined with a
typed reason, and its bytes are kept), and a 1 GiB gzip bomb stops at the cap with bounded memory.

The decoder's own fuzz (tests/unit/stream_processor/decode/test_decode_fuzz.py) checks that
nothing but DecodeError escapes; here the same inputs go all the way through the handler and its sinks.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import os
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_processor import aggregate
from stream_processor.handler import lambda_handler
from tests.support.aws import list_keys
from tests.support.builders import compress, envelope, log_event

REASONS = {
    "not_base64",
    "not_compressed",
    "corrupt_compressed",
    "truncated",
    "too_large",
    "empty",
    "multiple_members",
    "not_json",
    "bad_envelope",
    "bad_event",
    "concatenated_json",
}
NOON = 1_764_158_400_000
VALID = compress(envelope([log_event(f"ERROR boom {i}", NOON + i) for i in range(20)]))


def _mutate(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    """Flip bytes at positions (xor with a non-zero value) and maybe truncate."""
    out = bytearray(data)
    for position, value in edits:
        out[position % len(out)] ^= value
    return bytes(out[:cut] if cut is not None else out)


json_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
payload_data = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode()),
    st.binary(max_size=300).map(lambda b: base64.b64encode(gzip.compress(b)).decode()),
    json_junk.map(lambda v: base64.b64encode(gzip.compress(json.dumps(v).encode())).decode()),
    st.builds(
        _mutate,
        st.just(VALID),
        st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), max_size=3),
        st.none() | st.integers(0, len(VALID)),
    ).map(lambda b: base64.b64encode(b).decode()),
)


def _raw(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return data.encode("utf-8", "surrogatepass")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=payload_data)
def test_fuzzed_payloads_are_processed_skipped_or_quarantined(aws: dict[str, Any], data: str) -> None:
    result = lambda_handler({"awslogs": {"data": data}}, None)  # never raises for any payload
    assert result["processed"] + result["skipped"] + result["quarantined"] == 1
    s3, bucket = aws["s3"], aws["bucket"]
    if result["quarantined"]:
        digest = hashlib.sha256(_raw(data)).hexdigest()
        (key,) = [k for k in list_keys(s3, bucket, "quarantine/") if k.endswith(f"/{digest}.json")]
        note = orjson.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        assert note["reason"] in REASONS, note
        kept = s3.get_object(Bucket=bucket, Key=key.removesuffix(".json") + ".bin")["Body"].read()
        assert kept == _raw(data)  # nothing lost: the input is kept as received, for a re-drive
    elif result["processed"]:
        written = sum(
            window["events"]
            for key in list_keys(s3, bucket, "aggregates/")
            for hours in _partial(s3, bucket, key)["windows"].values()
            for window in hours.values()
        )
        assert written >= result["events"] > 0


def _partial(s3: Any, bucket: str, key: str) -> aggregate.Partial:
    return aggregate.decode(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def gzip_bomb(path: Path, size: int = 1 << 30, chunk: int = 1 << 20) -> int:
    """`size` zeros as one gzip member, written to `path` without ever holding more than `chunk`.

    Each chunk is deflated once with a full flush (which resets the window), so every further
    chunk compresses to the same bytes; header and trailer (CRC-32, length) are written by hand.
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(chunk)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    with path.open("wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
        for _ in range(size // chunk):
            out.write(block)
            crc = zlib.crc32(zeros, crc)
        out.write(deflate.flush(zlib.Z_FINISH))
        out.write(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return path.stat().st_size


MEASURE = textwrap.dedent(
    """
    import base64, json, sys, tracemalloc
    from stream_processor.handler import lambda_handler

    def status(field):
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024

    event = {"awslogs": {"data": base64.b64encode(open(sys.argv[1], "rb").read()).decode()}}
    lambda_handler({"awslogs": {"data": "bm90IGd6aXA="}}, None)  # warm: imports, clients, config
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # reset the peak (VmHWM) to the current RSS
    before = status("VmRSS")
    tracemalloc.start()
    result = lambda_handler(event, None)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    print(json.dumps({"result": result, "rss_mib": status("VmHWM") - before, "traced_mib": traced}))
    """
)


def test_gzip_bomb_of_one_gib_is_quarantined_with_bounded_memory(aws: dict[str, Any], tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.gz"
    assert gzip_bomb(bomb) < 1_200_000  # 1 GiB of zeros in about 1 MiB
    with gzip.open(bomb) as check:  # a well-formed member: the first MiB really is zeros
        assert check.read(1 << 20) == bytes(1 << 20)
    env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(bomb)], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["result"]["quarantined"] == 1 and measured["result"]["events"] == 0
    assert measured["rss_mib"] < 100 and measured["traced_mib"] < 100, measured
    assert measured["traced_mib"] > 60  # it did inflate up to the 64 MiB cap (and no further)
    s3, bucket = aws["s3"], aws["bucket"]
    digest = hashlib.sha256(bomb.read_bytes()).hexdigest()
    (note_key,) = [k for k in list_keys(s3, bucket, "quarantine/") if k.endswith(f"{digest}.json")]
    assert orjson.loads(s3.get_object(Bucket=bucket, Key=note_key)["Body"].read())["reason"] == "too_large"
    print(f"gzip bomb {bomb.stat().st_size:,} bytes: peak growth {measured}")
