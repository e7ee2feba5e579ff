"""The team's own rules document in SSM: merged in without a deploy, never written by the stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode.cfn_yaml import load

from stream_processor import cli, handler
from stream_processor.config import clear_caches, load_config
from stream_processor.pipeline import process_data
from tests.support.builders import compress, envelope, log_event

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"
USER_DOC = '{"SecurityRules": {"break_glass": "break-glass role assumed"}}'


def _user_parameter(monkeypatch: pytest.MonkeyPatch, aws: dict[str, Any]) -> str:
    name = aws["parameter"] + "-user-rules"
    monkeypatch.setenv("USER_RULES_PARAMETER", name)
    return name


def test_user_rules_take_effect_without_a_deploy(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _user_parameter(monkeypatch, aws)
    assert "break_glass" not in load_config().security_rules  # absent parameter: no user rules
    boto3.client("ssm").put_parameter(Name=name, Type="String", Value=USER_DOC)
    assert "break_glass" not in load_config().security_rules  # cached: at most 5 minutes stale
    clear_caches()  # what the cache period's end does
    rules = load_config().rules
    partials = process_data(
        compress(envelope([log_event("break-glass role assumed by bob", 1_795_824_000_000)])), rules
    )
    window = partials[0]["windows"]["/admin/logs"]["00"]
    assert window["security"]["break_glass"]["count"] == 1


def test_init_rules_creates_once_and_never_overwrites(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = _user_parameter(monkeypatch, aws)
    assert cli.main(["config", "init-rules"]) == 0
    assert capsys.readouterr().out.startswith(f"{name}: created")
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name=name, Type="String", Value=USER_DOC, Overwrite=True)
    assert cli.main(["config", "init-rules"]) == 0
    assert capsys.readouterr().out.strip() == f"{name}: exists, left unchanged"
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == USER_DOC
    clear_caches()
    assert cli.main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert f'SecurityRules.break_glass = "break-glass role assumed"  (ssm {name})' in out


def test_validate_knows_a_user_rules_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "rules.json"
    path.write_text(USER_DOC)
    assert cli.main(["config", "validate", str(path)]) == 0
    assert "valid user rules document" in capsys.readouterr().out
    path.write_text('{"SecurityRules": {"ssh_failed_login": "x"}}')
    assert cli.main(["config", "validate", str(path)]) == cli.EXIT_USAGE
    assert "'SecurityRules.ssh_failed_login' is already defined" in capsys.readouterr().err


def test_the_stack_reads_but_never_owns_the_user_rules_parameter() -> None:
    template = load(str(TEMPLATE))
    resources = template["Resources"]
    ssm_names = [
        res["Properties"].get("Name") for res in resources.values() if res["Type"] == "AWS::SSM::Parameter"
    ]
    assert {"Ref": "UserRulesParameterName"} not in ssm_names
    for function in ("StreamProcessorFunction", "DailyReportFunction", "RollupFunction"):
        env = resources[function]["Properties"]["Environment"]["Variables"]
        assert env["USER_RULES_PARAMETER"]["Fn::If"] == [
            "HasUserRulesParameterName",
            {"Ref": "UserRulesParameterName"},
            {"Fn::Sub": "/logreview/${AWS::StackName}/user-rules"},
        ]
    assert template["Parameters"]["UserRulesParameterName"]["Default"] == ""  # stack-scoped by default
    handler._ingest.cache_clear()
