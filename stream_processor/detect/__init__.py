"""Detections: the rules (built-in and configured), the linear-time engine that finds them.

`Detector.scan(messages, statuses)` gives, for one batch, event index -> ids of the rules the event
triggers. The rule tables: `linux.py` (sshd, PAM, su, sudo, accounts), `general.py` (HTTP,
SDK errors, destruction), `cloudtrail.py` (CIS AWS monitoring controls). docs/detections.md
lists them all (a test keeps the two equal).
"""

from __future__ import annotations

from .cloudtrail import CLOUDTRAIL_RULES
from .detector import Detector
from .general import GENERAL_RULES
from .linux import LINUX_RULES
from .rules import SEVERITIES, Field, Rule, Severity, Threshold, severity_rank

BUILTIN_RULES: tuple[Rule, ...] = tuple(
    sorted((*LINUX_RULES, *GENERAL_RULES, *CLOUDTRAIL_RULES), key=lambda r: r.id)
)
DEFAULT_DETECTOR = Detector(BUILTIN_RULES)

__all__ = [
    "BUILTIN_RULES",
    "DEFAULT_DETECTOR",
    "SEVERITIES",
    "Detector",
    "Field",
    "Rule",
    "Severity",
    "Threshold",
    "severity_rank",
]
