"""Severity, control reference, threshold and "what to check next" of a detection, per rule.

`rule_policy` is the one place that says what a rule means to alerting. It reads the rule engine's
table (`stream_processor.detect`: severity, description, control, threshold, category) and applies
the configuration document's `Alerts` overrides.

Thresholded rules are counted together by category and key kind: sshd's failed password, its
"invalid user" line and PAM's failure for one attempt are three rules but one brute force, so they
share one group (`auth_failure` per source address, `auth_failure_by_principal` per principal)
whose threshold is the largest of its rules' (one sshd attempt writes up to three lines). A
single hit of a thresholded rule is `low` and is not a detection; a group over its threshold is
(`high` by default: a brute force pages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from ..detect import DEFAULT_DETECTOR, SEVERITIES, Detector, Rule, Severity, Threshold, severity_rank

if TYPE_CHECKING:
    from .exceptions import AlertException

__all__ = ["SEVERITIES", "AlertSettings", "RulePolicy", "Severity", "Threshold", "at_least", "rule_policy"]

OVER_THRESHOLD: Severity = "high"
NEXT_STEPS = {
    "auth_failure": "Block or rate-limit the source; check for a successful login from it afterwards.",
    "root_activity": "Confirm who used root and why; root should not be used for daily work.",
    "privilege_change": "Confirm the change was approved; review the principal's other actions.",
    "config_change": "Confirm the change was intended; restore a stopped trail or a disabled key at once.",
    "network_change": "Check the change against a ticket; look for newly opened ingress.",
    "account_change": "Confirm the account change was requested by its owner.",
    "destructive_action": "Check that the deletion was intended and that a backup or snapshot exists.",
    "login": "Confirm the login was expected: who, from where, with MFA.",
}
DEFAULT_NEXT_STEP = "Check who did this and whether it was expected."


def at_least(severity: str, floor: str) -> bool:
    """`severity` >= `floor` in critical > high > medium > low."""
    return severity_rank(severity) >= severity_rank(floor)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class RulePolicy:
    """What alerting needs to know about one rule, or one group of thresholded rules."""

    rule: str  # the rule id, or the group id of a thresholded rule
    severity: Severity
    description: str
    control: str | None = None
    threshold: Threshold | None = None
    next_step: str = DEFAULT_NEXT_STEP
    category: str = "custom"


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """The `Alerts` section of the configuration document (all optional)."""

    floor: Severity = "high"  # severity >= floor goes to the alert topic
    window_s: int = 3600  # one notification per (rule, key, window)
    severities: Mapping[str, Severity] = field(default_factory=dict)  # rule or group id -> severity
    thresholds: Mapping[str, int] = field(default_factory=dict)  # group id -> count
    max_keys: int = 10_000  # thresholded (group, key) pairs kept per batch (<= 10,000 events)
    exceptions: tuple[AlertException, ...] = ()  # counted, not notified (alerting.exceptions)
    incident_window_s: int = 3600  # Incidents.WindowMinutes: how far a source or principal links events
    brute_force_alone: bool = False  # Incidents.NotifyBruteForce "at_threshold": page without a success too

    def __hash__(self) -> int:
        return hash((self.floor, self.window_s, tuple(sorted(self.severities.items())),
                     tuple(sorted(self.thresholds.items())), self.max_keys, self.exceptions,
                     self.incident_window_s, self.brute_force_alone))  # fmt: skip


DEFAULT_SETTINGS = AlertSettings()


def group_id(rule: Rule) -> str:
    """The group a thresholded rule counts in: its category, per source or per principal."""
    per = rule.threshold.per if rule.threshold else "source"
    return rule.category if per == "source" else f"{rule.category}_by_principal"


def rule_policy(
    rule_id: str, settings: AlertSettings = DEFAULT_SETTINGS, detector: Detector = DEFAULT_DETECTOR
) -> RulePolicy:
    """The policy a hit of `rule_id` is alerted under, with the configuration's overrides."""
    return _policy(rule_id, settings, detector)


@lru_cache(maxsize=512)
def _policy(rule_id: str, settings: AlertSettings, detector: Detector) -> RulePolicy:
    try:
        rule = detector.rule(rule_id)
    except KeyError:
        return _override(RulePolicy(rule_id, "medium", f"rule {rule_id}"), settings)
    next_step = NEXT_STEPS.get(rule.category, DEFAULT_NEXT_STEP)
    if rule.threshold is None:
        found = RulePolicy(
            rule.id, rule.severity, rule.description, rule.control, None, next_step, rule.category
        )
        return _override(found, settings)
    group = group_id(rule)
    members = [r for r in detector.rules if r.threshold is not None and group_id(r) == group]
    thresholds = sorted((r.threshold.count, r.id, r.threshold) for r in members if r.threshold)
    largest = thresholds[-1][2]
    controls = sorted({r.control for r in members if r.control})
    per = "source address" if rule.threshold.per == "source" else "principal"
    found = RulePolicy(
        group,
        OVER_THRESHOLD,
        f"{rule.category.replace('_', ' ')}s from one {per} over the threshold "
        f"(rules: {', '.join(r.id for r in members)}); a single one is low and not notified",
        "; ".join(controls) or None,
        largest,
        next_step,
        rule.category,
    )
    return _override(found, settings)


def _override(found: RulePolicy, settings: AlertSettings) -> RulePolicy:
    if found.rule in settings.severities:
        found = replace(found, severity=settings.severities[found.rule])
    if found.threshold is not None and found.rule in settings.thresholds:
        found = replace(found, threshold=replace(found.threshold, count=settings.thresholds[found.rule]))
    return found


def policy_groups(detector: Detector = DEFAULT_DETECTOR) -> tuple[str, ...]:
    """The ids detections are notified under: rule ids, and the groups of thresholded rules."""
    return tuple(sorted({rule_policy(r.id, detector=detector).rule for r in detector.rules}))


def thresholded_groups(detector: Detector = DEFAULT_DETECTOR) -> tuple[str, ...]:
    """The groups of thresholded rules (each has a threshold alarm in template.yaml)."""
    return tuple(sorted({group_id(r) for r in detector.rules if r.threshold is not None}))
