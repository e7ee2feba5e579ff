"""The configuration document's optional `Alerts` section, validated (errors name the key).

"Alerts": {"Floor": "high",                    severity that goes to the alert topic
           "WindowSeconds": 3600,              one notification per rule, key and window
           "Severity": {"privilege_change": "high"},   per-rule severity overrides
           "Thresholds": {"auth_failure": 20},         per-rule threshold counts
           "Exceptions": [{"Rule": "auth_failure", "Cidr": "198.51.100.0/24", "Reason": "…",
                           "Ticket": "SEC-12", "Owner": "ops@example.com", "Expires": "2026-12-31"}],
                                                       counted, not notified (alerting.exceptions)
           "Incidents": {"WindowMinutes": 60,          how long a source or principal links events
                         "NotifyBruteForce": "on_success"}}   or "at_threshold" (also without a success)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..detect import DEFAULT_DETECTOR, Detector
from ..errors import ConfigError
from .exceptions import parse_exceptions
from .incidents import KIND as INCIDENT
from .policy import SEVERITIES, AlertSettings, Severity, rule_policy

_KEYS = frozenset({"Floor", "WindowSeconds", "Severity", "Thresholds", "Exceptions", "Incidents"})
_INCIDENT_KEYS = frozenset({"WindowMinutes", "NotifyBruteForce"})
_BRUTE_FORCE = ("on_success", "at_threshold")
MIN_WINDOW_S, MAX_WINDOW_S = 60, 86_400
MAX_INCIDENT_MINUTES = 24 * 60


def _severity(path: str, value: object) -> Severity:
    if value not in SEVERITIES:
        raise ConfigError(f"config key {path!r} must be one of {', '.join(SEVERITIES)}, got {value!r}")
    return value


def _count(path: str, value: object, least: int, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise ConfigError(f"config key {path!r} must be an integer from {least} to {most}, got {value!r}")
    return value


def _mapping(path: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"config key {path!r} must be an object")
    return value


def parse_alerts(section: object, detector: Detector = DEFAULT_DETECTOR) -> AlertSettings:
    """`Alerts` (absent: the defaults) → AlertSettings; `detector` knows the rules exceptions name."""
    if section is None:
        return AlertSettings()
    doc = _mapping("Alerts", section)
    for key in doc:
        if key not in _KEYS:
            raise ConfigError(f"unknown config key 'Alerts.{key}' (known: {', '.join(sorted(_KEYS))})")
    severities = {
        rule: _severity(f"Alerts.Severity.{rule}", value)
        for rule, value in _mapping("Alerts.Severity", doc.get("Severity", {})).items()
    }
    thresholds = {
        rule: _count(f"Alerts.Thresholds.{rule}", value, 1, 1_000_000)
        for rule, value in _mapping("Alerts.Thresholds", doc.get("Thresholds", {})).items()
    }
    incidents = _mapping("Alerts.Incidents", doc.get("Incidents", {}))
    for key in incidents:
        if key not in _INCIDENT_KEYS:
            known = ", ".join(sorted(_INCIDENT_KEYS))
            raise ConfigError(f"unknown config key 'Alerts.Incidents.{key}' (known: {known})")
    minutes = _count(
        "Alerts.Incidents.WindowMinutes", incidents.get("WindowMinutes", 60), 1, MAX_INCIDENT_MINUTES
    )
    brute_force = incidents.get("NotifyBruteForce", "on_success")
    if brute_force not in _BRUTE_FORCE:
        raise ConfigError(
            f"config key 'Alerts.Incidents.NotifyBruteForce' must be one of {', '.join(_BRUTE_FORCE)}, "
            f"got {brute_force!r}"
        )
    return AlertSettings(
        floor=_severity("Alerts.Floor", doc.get("Floor", "high")),
        window_s=_count("Alerts.WindowSeconds", doc.get("WindowSeconds", 3600), MIN_WINDOW_S, MAX_WINDOW_S),
        severities=severities,
        thresholds=thresholds,
        exceptions=parse_exceptions(doc["Exceptions"], notified_ids(detector)) if "Exceptions" in doc else (),
        incident_window_s=minutes * 60,
        brute_force_alone=brute_force == "at_threshold",
    )


def notified_ids(detector: Detector) -> dict[str, str]:
    """Every rule id → the id its detections are notified under (itself, or its group); and the
    incident a login after a brute force opens (`brute_force_login`), notified under its own id."""
    ids = {rule.id: rule_policy(rule.id, detector=detector).rule for rule in detector.rules}
    return {**ids, INCIDENT: INCIDENT}
