"""Configuration: the SSM JSON document of DESIGN §9, validated once, errors naming the key."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson

from .alerting.settings import parse_alerts
from .classify import DEFAULT_RULES, SecurityRules
from .errors import ConfigError
from .pipeline import Rules
from .redact import Redactor

DEFAULT_PARAMETER = "/log-processor/config"
CACHE_SECONDS = 300

DEFAULT_DOCUMENT: dict[str, Any] = {
    "LogConfig": {
        "AdminLogGroup": "/admin/logs",
        "OperatorLogGroup": "/operator/logs",
        "ReportBucket": "",
        "RetentionDays": 30,
        "QueryTimeoutSeconds": 300,
        "BatchSize": 10000,
        "AlertThresholds": {"ErrorRate": 0.05, "LatencyMs": 1000},
    },
    "Report": {"LookbackDays": 2, "TopN": 10},
    "Redaction": {"ExtraPatterns": []},
}


@dataclass(frozen=True, slots=True)
class Config:
    """The validated configuration. `rules` is what the transforms use."""

    admin_log_group: str = "/admin/logs"
    operator_log_group: str = "/operator/logs"
    report_bucket: str = ""
    retention_days: int = 30
    query_timeout_seconds: int = 300
    batch_size: int = 10000
    error_rate_threshold: float = 0.05
    latency_threshold_ms: float = 1000.0
    lookback_days: int = 2
    top_n: int = 10
    security_rules: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_RULES))
    redaction_patterns: tuple[str, ...] = ()
    rules: Rules = field(default_factory=Rules, compare=False)

    @property
    def log_groups(self) -> tuple[str, str]:
        return (self.admin_log_group, self.operator_log_group)


def _get(doc: Mapping[str, Any], path: str, kind: type | tuple[type, ...], default: Any) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, Mapping):
            raise ConfigError(f"config key {path!r}: {part!r} is inside a non-object")
        if part not in node:
            return default
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ConfigError(f"config key {path!r} must be {names}, got {node!r}")
    return node


def _number(
    doc: Mapping[str, Any], path: str, default: float, kind: type = int, zero: bool = False, most: float = 0
) -> Any:
    """A number at `path`: > 0 (or >= 0 with `zero`), at most `most` when given; ints stay ints."""
    value = _get(doc, path, (int, float) if kind is float else int, default)
    if value < 0 or (value == 0 and not zero):
        raise ConfigError(f"config key {path!r} must be {'>=' if zero else '>'} 0, got {value!r}")
    if most and value > most:
        raise ConfigError(f"config key {path!r} must be at most {most}, got {value!r}")
    return kind(value)


def _patterns(path: str, values: Any) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"config key {path!r} must be a list of regular expressions")
    for value in values:
        try:
            re.compile(value)
        except re.error as exc:
            raise ConfigError(f"config key {path!r}: invalid pattern {value!r}: {exc}") from None
    return tuple(values)


# Sections whose keys are a closed set: a misspelt key is an error, not a silent default.
_KNOWN_KEYS: dict[str, frozenset[str]] = {
    "LogConfig": frozenset(DEFAULT_DOCUMENT["LogConfig"]),
    "LogConfig.AlertThresholds": frozenset({"ErrorRate", "LatencyMs"}),
    "Redaction": frozenset({"ExtraPatterns"}),
}


def _check_known(doc: Mapping[str, Any]) -> None:
    for path, known in _KNOWN_KEYS.items():
        section = _get(doc, path, Mapping, {})
        for key in section:
            if key not in known:
                names = ", ".join(sorted(known))
                raise ConfigError(f"unknown config key {f'{path}.{key}'!r} (known: {names})")


def parse_config(doc: object) -> Config:
    """Validate a configuration document (already JSON-decoded)."""
    if not isinstance(doc, Mapping):
        raise ConfigError("config document must be a JSON object with a 'LogConfig' key")
    if not isinstance(doc.get("LogConfig"), Mapping):
        raise ConfigError("config key 'LogConfig' is missing or not an object")
    _check_known(doc)
    rules = dict(DEFAULT_RULES)
    extra_rules = _get(doc, "SecurityRules", dict, {})
    for name, pattern in extra_rules.items():
        _patterns(f"SecurityRules.{name}", [pattern])
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ConfigError(f"config key 'SecurityRules.{name}': rule names are snake_case")
        rules[name] = pattern
    redaction = _patterns("Redaction.ExtraPatterns", _get(doc, "Redaction.ExtraPatterns", list, []))
    return Config(
        admin_log_group=_get(doc, "LogConfig.AdminLogGroup", str, "/admin/logs"),
        operator_log_group=_get(doc, "LogConfig.OperatorLogGroup", str, "/operator/logs"),
        report_bucket=_get(doc, "LogConfig.ReportBucket", str, ""),
        retention_days=_number(doc, "LogConfig.RetentionDays", 30),
        query_timeout_seconds=_number(doc, "LogConfig.QueryTimeoutSeconds", 300),
        batch_size=_number(doc, "LogConfig.BatchSize", 10000),
        error_rate_threshold=_number(doc, "LogConfig.AlertThresholds.ErrorRate", 0.05, float, most=1),
        latency_threshold_ms=_number(doc, "LogConfig.AlertThresholds.LatencyMs", 1000, float),
        lookback_days=_number(doc, "Report.LookbackDays", 2, zero=True),
        top_n=_number(doc, "Report.TopN", 10),
        security_rules=rules,
        redaction_patterns=redaction,
        rules=Rules(SecurityRules.from_mapping(rules), Redactor(redaction), parse_alerts(doc.get("Alerts"))),
    )


@lru_cache(maxsize=8)
def _parse_cached(text: str) -> Config:
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"config document is not valid JSON: {exc}") from None
    return parse_config(doc)


def parameter_name() -> str:
    return os.environ.get("CONFIG_PARAMETER") or DEFAULT_PARAMETER


def load_config(name: str | None = None) -> Config:
    """Fetch (cached for 5 minutes by Powertools Parameters) and validate the SSM document."""
    from aws_lambda_powertools.utilities import parameters

    parameter = name or parameter_name()
    try:
        text = parameters.get_parameter(parameter, max_age=CACHE_SECONDS)
    except parameters.exceptions.GetParameterError as exc:
        raise ConfigError(f"cannot read config parameter {parameter!r}: {exc}") from exc
    return _parse_cached(str(text))


def default_config_json(bucket: str = "") -> str:
    """The default document (what template.yaml and the demo install)."""
    doc = orjson.loads(orjson.dumps(DEFAULT_DOCUMENT))
    doc["LogConfig"]["ReportBucket"] = bucket
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
