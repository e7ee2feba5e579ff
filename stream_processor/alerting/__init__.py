"""Alerting: severity per rule, detections from a batch's rule hits, notification text (pure).

The I/O (dedup state in S3, SNS, EventBridge, Security Hub) is `stream_processor.sinks.alerts`.
"""

from __future__ import annotations

from .detections import Detection, find_detections
from .policy import SEVERITIES, AlertSettings, RulePolicy, Threshold, at_least, rule_policy

__all__ = [
    "SEVERITIES",
    "AlertSettings",
    "Detection",
    "RulePolicy",
    "Threshold",
    "at_least",
    "find_detections",
    "rule_policy",
]
