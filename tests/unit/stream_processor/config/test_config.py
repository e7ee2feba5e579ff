"""Configuration: the SSM document validated once, every error naming the key at fault."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from stream_processor.config import Config, default_config_json, parse_config
from stream_processor.errors import ConfigError


def _doc(**log_config: Any) -> dict[str, Any]:
    doc = orjson.loads(default_config_json("bucket"))
    doc["LogConfig"].update(log_config)
    return dict(doc)


def test_default_document_round_trips() -> None:
    config = parse_config(orjson.loads(default_config_json("my-bucket")))
    assert config == Config(report_bucket="my-bucket")
    assert config.log_groups == ("/admin/logs", "/operator/logs")
    assert (config.error_rate_threshold, config.latency_threshold_ms) == (0.05, 1000.0)


@pytest.mark.parametrize(
    ("doc", "key"),
    [
        ([], "LogConfig"),
        ({}, "'LogConfig'"),
        ({"LogConfig": []}, "'LogConfig'"),
        (_doc(BatchSize="lots"), "'LogConfig.BatchSize'"),
        (_doc(BatchSize=True), "'LogConfig.BatchSize'"),
        (_doc(RetentionDays=0), "'LogConfig.RetentionDays'"),
        (_doc(QueryTimeoutSeconds=-5), "'LogConfig.QueryTimeoutSeconds'"),
        (_doc(AdminLogGroup=5), "'LogConfig.AdminLogGroup'"),
        (_doc(AlertThresholds=5), "'LogConfig.AlertThresholds"),
        (_doc(AlertThresholds={"ErrorRate": 5}), "'LogConfig.AlertThresholds.ErrorRate'"),
        (_doc(AlertThresholds={"ErrorRate": "high"}), "'LogConfig.AlertThresholds.ErrorRate'"),
        (_doc(AlertThresholds={"LatencyMs": 0}), "'LogConfig.AlertThresholds.LatencyMs'"),
        (_doc(BatchSise=100), "'LogConfig.BatchSise'"),
        ({**_doc(), "Report": {"TopN": 0}}, "'Report.TopN'"),
        ({**_doc(), "Report": {"LookbackDays": -1}}, "'Report.LookbackDays'"),
        ({**_doc(), "Redaction": {"ExtraPatterns": "x"}}, "'Redaction.ExtraPatterns'"),
        ({**_doc(), "Redaction": {"ExtraPatterns": ["(unclosed"]}}, "'Redaction.ExtraPatterns'"),
        ({**_doc(), "Redaction": {"Extra": []}}, "'Redaction.Extra'"),
        ({**_doc(), "SecurityRules": {"odd_rule": "[z-a]"}}, "'SecurityRules.odd_rule'"),
        ({**_doc(), "SecurityRules": {"Bad-Name": "x"}}, "'SecurityRules.Bad-Name'"),
        ({**_doc(), "SecurityRules": ["x"]}, "'SecurityRules'"),
    ],
)
def test_invalid_documents_name_the_key(doc: Any, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(doc)
    assert key in str(caught.value)


def test_lookback_zero_is_allowed_and_thresholds_are_numbers() -> None:
    doc = {**_doc(AlertThresholds={"ErrorRate": 1, "LatencyMs": 250}), "Report": {"LookbackDays": 0}}
    config = parse_config(doc)
    assert (config.lookback_days, config.error_rate_threshold, config.latency_threshold_ms) == (0, 1.0, 250.0)


def test_extra_rules_and_redaction_patterns_reach_the_transforms() -> None:
    doc = {
        **_doc(),
        "SecurityRules": {
            "break_glass": r"break-glass role assumed",
            "ssh_failed_login": {"Pattern": "nope", "Severity": "high"},
            "ssh_password_login": None,
        },
        "Redaction": {"ExtraPatterns": [r"TICKET-\d+"]},
    }
    config = parse_config(doc)
    detector = config.rules.detector
    assert detector.scan(["break-glass role assumed by alice"]) == {0: ("break_glass",)}
    assert detector.scan(["sshd[1]: Failed password for root from 10.0.0.1 port 22 ssh2"]) == {}  # replaced
    assert detector.scan(["sshd[1]: Accepted password for bob from 10.0.0.1 port 22 ssh2"]) == {}  # off
    assert detector.rule("ssh_failed_login").severity == "high"
    assert detector.rule("break_glass").severity == "medium"
    assert "cis_root_account_usage" in config.security_rules
    assert "ssh_password_login" not in config.security_rules
    assert config.rules.redact("see TICKET-4411 now") == "see [REDACTED] now"


@pytest.mark.parametrize(
    ("rules", "key"),
    [
        (
            {"x": r"(?i)[Z-a]x", "y": r"(a)\1"},
            "'SecurityRules.y'",
        ),  # the first is fine; backreferences are not
        ({"x": {"Pattern": r"(?<=a)b"}}, "'SecurityRules.x.Pattern'"),
        ({"x": {"Pattern": "a", "Severity": "urgent"}}, "'SecurityRules.x.Severity'"),
        (
            {"x": {"Pattern": "a", "Threshold": {"Count": 0, "WindowSeconds": 60}}},
            "'SecurityRules.x.Threshold.Count'",
        ),
        (
            {"x": {"Pattern": "a", "Threshold": {"Count": 3, "WindowSeconds": 60, "Per": "host"}}},
            "Threshold.Per'",
        ),
        ({"x": {"Pattern": "a", "Colour": "red"}}, "'SecurityRules.x.Colour'"),
        ({"no_such_rule": None}, "'SecurityRules.no_such_rule'"),
    ],
)
def test_rules_the_engine_cannot_run_are_refused_naming_the_key(rules: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({**_doc(), "SecurityRules": rules})
    assert key in str(caught.value)
