"""No silent slow path: the processor and `logreview --version` say which pattern engine and gzip
backend run, and what a fallback costs; the fallback (forced by blocking the wheels' import in a
fresh process) still gives the same partials, byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest

from stream_processor import backends

BLOCK_WHEELS = "import sys; sys.modules['re2'] = None; sys.modules['isal'] = None\n"
TWO_COLD_INVOCATIONS = """
from stream_processor.errors import UnknownEventShape
from stream_processor.handler import lambda_handler
for _ in range(2):
    try:
        lambda_handler({"neither": "awslogs nor Records"}, None)
    except UnknownEventShape:
        pass
"""
PARTIALS = """
import hashlib, random
from bench.decode import make_batch, START_MS
from stream_processor import aggregate
from stream_processor.pipeline import process_data
rng = random.Random(7)
digest = hashlib.sha256()
for size in (1, 1, 3, 10, 40, 200):
    for partial in process_data(make_batch(rng, size, START_MS + rng.randrange(10**7))["awslogs"]["data"]):
        digest.update(aggregate.encode(partial))
from stream_processor import backends
print(backends.engine(), backends.GZIP_BACKEND, digest.hexdigest())
"""


def _python(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    env["POWERTOOLS_LOG_LEVEL"] = "INFO"  # Lambda's default (tests/conftest.py quiets it to WARNING)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120, env=env
    )
    return done.stdout


def _backend_lines(stdout: str) -> list[dict[str, object]]:
    lines = [orjson.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return [line for line in lines if "pattern_engine" in line]


@pytest.mark.skipif(backends.ENGINE_BACKEND != "re2", reason="google-re2 is not installed here")
def test_version_names_the_native_backends() -> None:
    out = _python("from stream_processor.cli import main; main(['--version'])")
    assert out.splitlines()[1] == "pattern engine: re2; gzip: isal"


def test_version_names_the_fallbacks_and_what_they_cost() -> None:
    out = _python(BLOCK_WHEELS + "from stream_processor.cli import main; main(['--version'])")
    assert out.startswith("logreview ")
    line = out.splitlines()[1]
    assert line.startswith("pattern engine: python fallback; gzip: zlib; ")
    assert backends.ENGINE_FALLBACK_COST in line
    assert backends.GZIP_FALLBACK_COST in line
    assert "slower" in line and "pip install google-re2" in line


@pytest.mark.skipif(backends.ENGINE_BACKEND != "re2", reason="google-re2 is not installed here")
def test_the_handler_logs_its_backends_once_per_cold_start() -> None:
    (line,) = _backend_lines(_python(TWO_COLD_INVOCATIONS))
    assert line["level"] == "INFO"
    assert line["pattern_engine"] == "re2" and line["gzip"] == "isal"
    assert line["message"] == "native speed-ups: pattern engine: re2; gzip: isal"


def test_a_cold_start_on_the_fallback_warns_once_with_the_cost() -> None:
    (line,) = _backend_lines(_python(BLOCK_WHEELS + TWO_COLD_INVOCATIONS))
    assert line["level"] == "WARNING"
    assert line["pattern_engine"] == "python fallback" and line["gzip"] == "zlib"
    message = str(line["message"])
    assert message.startswith("slow path: pattern engine: python fallback; gzip: zlib")
    assert backends.ENGINE_FALLBACK_COST in message


@pytest.mark.skipif(backends.ENGINE_BACKEND != "re2", reason="google-re2 is not installed here")
def test_the_fallbacks_write_the_same_partials() -> None:
    native = _python(PARTIALS).split()
    fallback = _python(BLOCK_WHEELS + PARTIALS).split()
    assert native[:2] == ["re2", "isal"] and fallback[:2] == ["python", "fallback"]
    assert fallback[2] == "zlib"
    assert native[2] == fallback[3]
