"""`logreview decode FILE|-`: a payload's log events as JSON lines, or one clean error line."""

from __future__ import annotations

import base64
import gzip
import io
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from stream_processor.cli import main
from tests.support.builders import compress, envelope, gzip_id, kinesis_event, log_event, subscription_event

NOON = 1_764_158_400_000
EVENTS = [log_event("hello", NOON, "1"), {"id": 2, "timestamp": NOON + 1, "message": "two\nlines"}]
EXPECTED = [
    {"id": "1", "timestamp": NOON, "message": "hello"},
    {"id": "2", "timestamp": NOON + 1, "message": "two\nlines"},
]


def _run(arg: str, capsys: pytest.CaptureFixture[bytes], *extra: str) -> tuple[int, list[Any], str]:
    status = main(["decode", *extra, arg])
    captured = capsys.readouterr()
    return status, [orjson.loads(line) for line in captured.out.splitlines()], captured.err.decode()


@pytest.mark.parametrize(
    "content",
    [
        orjson.dumps(subscription_event(compress(envelope(EVENTS)))),
        orjson.dumps(kinesis_event([compress(envelope(EVENTS))])),
        base64.b64encode(compress(envelope(EVENTS))) + b"\n",
        compress(envelope(EVENTS)),
        orjson.dumps(envelope(EVENTS)),
    ],
    ids=["lambda-event", "kinesis-event", "base64", "gzip", "envelope"],
)
def test_every_input_form_prints_the_events(
    content: bytes, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = tmp_path / "payload"
    path.write_bytes(content)
    status, lines, err = _run(str(path), capsysbinary)
    assert (status, lines, err) == (0, EXPECTED, "")


def test_envelope_option_prints_batch_metadata_first(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = tmp_path / "event.json"
    path.write_bytes(orjson.dumps(subscription_event(compress(envelope(EVENTS)))))
    status, lines, _ = _run(str(path), capsysbinary, "--envelope")
    assert status == 0 and lines[1:] == EXPECTED
    assert (
        lines[0]["logGroup"] == "/admin/logs" and lines[0]["events"] == 2 and len(lines[0]["batch_id"]) == 32
    )


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    stdin = SimpleNamespace(buffer=io.BytesIO(base64.b64encode(compress(envelope(EVENTS)))))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert _run("-", capsysbinary)[:2] == (0, EXPECTED)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%%% not base64", "not_base64"),
        (gzip.compress(b"not json"), "not_json"),
        (b'{"Records": [{"s3": {}}]}', "unknown event shape"),
        (b"{broken", "not_json"),
    ],
    ids=gzip_id,
)
def test_bad_input_is_one_clean_error_line(
    content: bytes, message: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = tmp_path / "bad"
    path.write_bytes(content)
    status, lines, err = _run(str(path), capsysbinary)
    assert (status, lines) == (2, [])
    assert err.startswith("logreview decode: ") and message in err and len(err.splitlines()) == 1


def test_missing_file_is_a_clean_error(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    status, _, err = _run("/nonexistent/payload", capsysbinary)
    assert status == 2 and "cannot read /nonexistent/payload" in err


def test_console_script_reads_stdin() -> None:
    script = Path(sys.executable).with_name("logreview")
    done = subprocess.run(
        [str(script), "decode", "-"],
        input=orjson.dumps(subscription_event(compress(envelope(EVENTS)))),
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert [orjson.loads(line) for line in done.stdout.splitlines()] == EXPECTED
