"""Strict configuration: unknown keys name the nearest valid one, ranges, log group names."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from stream_processor.config import MAX_LOOKBACK_DAYS, default_config_json, parse_config, with_user_rules
from stream_processor.errors import ConfigError


def _doc(**sections: Any) -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads(default_config_json("bucket"))
    for name, value in sections.items():
        if isinstance(value, dict) and isinstance(doc.get(name), dict):
            doc[name] = {**doc[name], **value}
        else:
            doc[name] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_doc(Reports={"TopN": 5}), "unknown config key 'Reports' (did you mean 'Report'?)"),
        (_doc(Redactions={}), "unknown config key 'Redactions' (did you mean 'Redaction'?)"),
        (_doc(Report={"TopM": 5}), "unknown config key 'Report.TopM' (did you mean 'TopN'?)"),
        (_doc(Report={"LookbackDays": 400}), f"'Report.LookbackDays' must be at most {MAX_LOOKBACK_DAYS}"),
        (_doc(LogConfig={"AdminLogGroup": ""}), "'LogConfig.AdminLogGroup' must be a log group name"),
        (_doc(LogConfig={"OperatorLogGroup": "bad name!"}), "'LogConfig.OperatorLogGroup' must be a log"),
        (_doc(LogConfig={"OperatorLogGroup": "/admin/logs"}), "are both '/admin/logs'"),
        (_doc(LogConfig={"RetentionDays": 31}), "'LogConfig.RetentionDays' must be one of CloudWatch's"),
        (
            _doc(LogConfig={"QueryTimeoutSeconds": 3600}),
            "'LogConfig.QueryTimeoutSeconds' must be at most 900",
        ),
        (_doc(LogConfig={"BatchSize": 20000}), "'LogConfig.BatchSize' must be at most 10000"),
        (
            _doc(Zzz=1),
            "unknown config key 'Zzz' (known: Alerts, LogConfig, Redaction, Report, SecurityRules)",
        ),
    ],
)
def test_strict_errors(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(doc)
    assert message in str(caught.value)


def test_in_range_values_are_accepted() -> None:
    config = parse_config(
        _doc(LogConfig={"RetentionDays": 365, "QueryTimeoutSeconds": 900}, Report={"TopN": 100})
    )
    assert (config.retention_days, config.query_timeout_seconds, config.top_n) == (365, 900, 100)


def test_user_rules_add_rules_and_patterns() -> None:
    user = orjson.dumps(
        {"SecurityRules": {"break_glass": "break-glass role"}, "Redaction": {"ExtraPatterns": ["TKT-\\d+"]}}
    ).decode()
    config = parse_config(with_user_rules(_doc(Redaction={"ExtraPatterns": ["X-\\d+"]}), user))
    assert config.rules.detector.scan(["break-glass role assumed"]) == {0: ("break_glass",)}
    assert config.redaction_patterns == ("X-\\d+", "TKT-\\d+")


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ('{"LogConfig": {}}', "unknown key 'LogConfig'"),
        ('{"SecurityRule": {}}', "did you mean 'SecurityRules'?"),
        (
            '{"SecurityRules": {"ssh_failed_login": "x"}}',
            "'SecurityRules.ssh_failed_login' is already defined",
        ),
        ('{"Redaction": {"Extra": []}}', "unknown key 'Redaction.Extra'"),
        ("[]", "must be a JSON object"),
        ("{oops", "not valid JSON"),
    ],
)
def test_user_rules_errors_name_the_document(user: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_user_rules(_doc(), user, "user rules parameter '/x'"))
    assert message in str(caught.value)
