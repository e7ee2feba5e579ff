"""Severity, control reference, threshold and "what to check next" per detection rule.

`rule_policy` is the one place that says what a rule id means to alerting. Until the rule engine
carries this metadata (issue 13, `stream_processor.detect`), it reads a small local table for
today's rule ids; unknown (user) rules are `medium`, not thresholded. The configuration document's
`Alerts` section can change the floor, the notification window, any rule's severity and any
thresholded rule's count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low")
_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


def at_least(severity: str, floor: str) -> bool:
    """`severity` >= `floor` in critical > high > medium > low."""
    return _RANK[severity] >= _RANK[floor]


@dataclass(frozen=True, slots=True)
class Threshold:
    """A detection only when at least `count` events with the same key fall within `window_s`."""

    count: int
    window_s: int = 300
    per: Literal["source", "principal"] = "source"


@dataclass(frozen=True, slots=True)
class RulePolicy:
    """What alerting needs to know about one rule.

    `severity` is the severity of a detection. For a thresholded rule a single event is not a
    detection at all: only a key over the threshold is, at `severity`.
    """

    rule: str
    severity: Severity
    description: str
    control: str | None = None
    threshold: Threshold | None = None
    next_step: str = "Check who did this and whether it was expected."


# Today's rule ids (classify.DEFAULT_RULES) until the rule engine's table lands on main.
_LOCAL: dict[str, RulePolicy] = {
    "auth_failure": RulePolicy(
        "auth_failure",
        "high",
        "repeated authentication failures from one source (a single failure is low and not alerted)",
        "CIS AWS 4.6 / Security Hub CloudWatch.6 (console authentication failures)",
        Threshold(20, 300, "source"),
        "Block or rate-limit the source address; check for a successful login from it afterwards.",
    ),
    "privilege_change": RulePolicy(
        "privilege_change",
        "medium",
        "a privilege change: sudo, usermod, IAM policy attach/put, access key creation",
        "CIS AWS 4.4 / Security Hub CloudWatch.4 (IAM policy changes)",
        next_step="Confirm the change was approved; review the principal's other actions in the window.",
    ),
    "root_activity": RulePolicy(
        "root_activity",
        "high",
        "activity performed as root (AWS root user or a Unix root session)",
        "CIS AWS 4.3 / Security Hub CloudWatch.1 (root account usage)",
        next_step="Confirm who used root and why; root should not be used for daily work.",
    ),
    "destructive_action": RulePolicy(
        "destructive_action",
        "high",
        "a destructive action: delete/drop/terminate of users, buckets, tables, instances",
        next_step="Check that the deletion was intended and that a backup or snapshot exists.",
    ),
}


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """The `Alerts` section of the configuration document (all optional)."""

    floor: Severity = "high"  # severity >= floor goes to the alert topic
    window_s: int = 3600  # one notification per (rule, key, window)
    severities: Mapping[str, Severity] = field(default_factory=dict)
    thresholds: Mapping[str, int] = field(default_factory=dict)
    max_keys: int = 64  # (rule, key) groups tracked per batch, largest first


DEFAULT_SETTINGS = AlertSettings()


def rule_policy(rule: str, settings: AlertSettings = DEFAULT_SETTINGS) -> RulePolicy:
    """The policy of a rule id, with the configuration's overrides applied."""
    found = _LOCAL.get(rule) or RulePolicy(rule, "medium", f"user rule {rule}")
    if rule in settings.severities:
        found = replace(found, severity=settings.severities[rule])
    if rule in settings.thresholds and found.threshold is not None:
        found = replace(found, threshold=replace(found.threshold, count=settings.thresholds[rule]))
    return found


def known_rules() -> tuple[str, ...]:
    """The rule ids with built-in policies (for the docs table and the template's alarms)."""
    return tuple(sorted(_LOCAL))
