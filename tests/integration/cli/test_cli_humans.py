"""The `logreview` command as a person meets it: version, help, one-line errors, --config, config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from stream_processor import backends, cli
from stream_processor.config import default_config_json


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        status = cli.main(list(argv))
    except SystemExit as exc:  # argparse's own exits (--help, --version, usage errors)
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "--version")
    assert status == 0 and cli.version() != "unknown"
    assert out.splitlines() == [f"logreview {cli.version()}", backends.summary()]


def test_help_says_what_each_command_is_for_and_lists_the_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = _run(capsys, "--help")
    assert status == 0
    for name, command in cli.COMMANDS.items():
        assert name in out
        assert " ".join(command.purpose.split()[:4]) in " ".join(out.split())
    assert "exit status:" in out and "130  interrupted" in out
    assert "module" not in out.lower()  # speaks to users, not about the code layout


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_command_help_has_an_example(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, name, "--help")
    assert status == 0
    assert f"example:\n  {cli.COMMANDS[name].example}" in out
    assert cli.COMMANDS[name].example.startswith(f"logreview {name}")


def test_errors_are_one_line_without_traceback_unless_debug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "config.json"
    bad.write_text(json.dumps({"LogConfig": {"BatchSize": "lots"}}))
    status, out, err = _run(capsys, "config", "validate", str(bad))
    assert status == cli.EXIT_USAGE and out == ""
    assert err.count("\n") == 1 and "LogConfig.BatchSize" in err and "Traceback" not in err
    status, _, err = _run(capsys, "--debug", "config", "validate", str(bad))
    assert status == cli.EXIT_USAGE and "Traceback" in err and "LogConfig.BatchSize" in err.splitlines()[-1]


def test_config_validate_accepts_the_default_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "config.json"
    good.write_text(default_config_json("bucket"))
    status, out, _ = _run(capsys, "config", "validate", str(good))
    assert status == 0 and out.startswith(f"{good}: valid")


def test_config_show_names_each_values_source(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run(capsys, "config", "show")
    assert status == 0
    assert f'LogConfig.ReportBucket = "{aws["bucket"]}"  (ssm {aws["parameter"]})' in out


def test_config_show_from_a_file_marks_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = orjson.loads(default_config_json("b"))
    del doc["Report"]
    path = tmp_path / "c.json"
    path.write_bytes(orjson.dumps(doc))
    status, out, _ = _run(capsys, "config", "show", "--config", str(path))
    assert status == 0
    assert "Report.TopN = 10  (default)" in out and f'LogConfig.ReportBucket = "b"  (file {path})' in out


def test_report_runs_from_a_local_config_file(
    aws: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFIG_PARAMETER", "/does/not/exist")  # proves SSM is not read
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)
    path = tmp_path / "c.json"
    path.write_text(default_config_json(aws["bucket"]))
    status, out, err = _run(capsys, "report", "--date", "2026-01-05", "--config", str(path), "--quiet")
    assert status == 0, err
    assert f"s3://{aws['bucket']}/reports/2026/01/05/log_review.json.gz" in out


def test_missing_config_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys, "report", "--date", "2026-01-05", "--config", "/nope.json")
    assert status == cli.EXIT_USAGE and "cannot read config file '/nope.json'" in err
