"""User rules from the configuration document's `SecurityRules` section, validated key by key.

    "SecurityRules": {
        "break_glass": "(?i)break-?glass",                      # a text rule, severity medium
        "db_dump": {"Pattern": "pg_dump .* --all", "Severity": "high",
                    "Description": "a full database dump ran",
                    "Threshold": {"Count": 3, "WindowSeconds": 600, "Per": "principal"}},
        "ssh_login_accepted": null                               # switch a built-in rule off
    }

A name equal to a built-in id replaces that rule. Every error names the key it is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ConfigError
from .engine import check_pattern
from .rules import SEVERITIES, Rule, Threshold

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_KEYS = frozenset({"Pattern", "Severity", "Description", "Threshold", "Control"})
_THRESHOLD_KEYS = frozenset({"Count", "WindowSeconds", "Per"})


def _string(key: str, value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"config key {key!r} must be {what}")
    return value


def _positive(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"config key {key!r} must be an integer > 0, got {value!r}")
    return value


def _threshold(key: str, spec: Any) -> Threshold:
    if (
        not isinstance(spec, Mapping)
        or set(spec) - _THRESHOLD_KEYS
        or not {"Count", "WindowSeconds"} <= set(spec)
    ):
        raise ConfigError(f"config key {key!r} must be an object with Count, WindowSeconds and optional Per")
    per = spec.get("Per", "source")
    if per not in ("source", "principal"):
        raise ConfigError(f"config key '{key}.Per' must be 'source' or 'principal', got {per!r}")
    count = _positive(f"{key}.Count", spec["Count"])
    return Threshold(count, _positive(f"{key}.WindowSeconds", spec["WindowSeconds"]), per)


def user_rule(name: str, spec: Any) -> Rule:
    """One configured rule: a pattern string, or an object with Pattern and optional fields."""
    key = f"SecurityRules.{name}"
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"config key {key!r}: rule names are snake_case (a-z, 0-9, _), at most 64 characters"
        )
    pattern_key = key if isinstance(spec, str) else f"{key}.Pattern"
    if isinstance(spec, str):
        spec = {"Pattern": spec}
    if not isinstance(spec, Mapping):
        raise ConfigError(f"config key {key!r} must be a pattern string, an object with 'Pattern', or null")
    unknown = set(spec) - _KEYS
    if unknown:
        raise ConfigError(
            f"unknown config key {f'{key}.{sorted(unknown)[0]}'!r} (known: {', '.join(sorted(_KEYS))})"
        )
    pattern = _string(pattern_key, spec.get("Pattern"), "a pattern string")
    reason = check_pattern(pattern)
    if reason is not None:
        raise ConfigError(f"config key {pattern_key!r}: the rule engine cannot run {pattern!r}: {reason}")
    severity = spec.get("Severity", "medium")
    if severity not in SEVERITIES:
        raise ConfigError(
            f"config key '{key}.Severity' must be one of {', '.join(SEVERITIES)}, got {severity!r}"
        )
    description = spec.get("Description", f"configured rule {name}")
    control = spec.get("Control")
    return Rule(
        name,
        severity,
        _string(f"{key}.Description", description, "a non-empty string"),
        "custom",
        None if control is None else _string(f"{key}.Control", control, "a non-empty string"),
        _threshold(f"{key}.Threshold", spec["Threshold"]) if "Threshold" in spec else None,
        pattern=pattern,
    )


def user_rules(configured: Mapping[str, Any], builtin: Iterable[Rule]) -> dict[str, Rule]:
    """Rule id -> rule in force: the built-ins, replaced, removed (null) or added to by the config."""
    rules = {rule.id: rule for rule in builtin}
    for name, spec in configured.items():
        if spec is None:
            if name not in rules:
                raise ConfigError(
                    f"config key 'SecurityRules.{name}': null switches off a built-in rule; none has that id"
                )
            del rules[name]
        else:
            rules[name] = user_rule(name, spec)
    return dict(sorted(rules.items()))
