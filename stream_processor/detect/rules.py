"""What a detection rule is: stable id, severity, one-line description, control, and how it matches.

Text rules match a pattern (the engine's syntax) anywhere in the message; field rules
(`cloudtrail.py`) test fields of a CloudTrail record; status rules test the parsed status. A rule
may carry a threshold: alerting then waits for `count` hits with the same key (source address or
principal) within `window_s` seconds. Counting in the aggregate is the same for every rule: each
hit counts (docs/detections.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low")
Per = Literal["source", "principal"]
Scope = Literal["logs", "cloudtrail", "any"]


def severity_rank(severity: Severity) -> int:
    """critical 3, high 2, medium 1, low 0: for "severity at least the floor" comparisons."""
    return len(SEVERITIES) - 1 - SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A detection needs `count` hits with the same key within `window_s` seconds."""

    count: int
    window_s: int
    per: Per


@dataclass(frozen=True, slots=True)
class Field:
    """One condition on a CloudTrail record, CloudWatch metric-filter style.

    `op` "in": the field is present and equals one of `values` (`*` at either end is a wildcard);
    "not_in": present and equals none of them; "missing": absent.
    """

    path: str
    op: Literal["in", "not_in", "missing"]
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rule:
    """A detection rule: `fields` (a CloudTrail rule), or `pattern` and/or `statuses` (either hits)."""

    id: str
    severity: Severity
    description: str
    category: str
    control: str | None = None
    threshold: Threshold | None = None
    pattern: str | None = None  # engine syntax, searched in the message
    statuses: frozenset[str] = frozenset()  # or: the parsed status is one of these
    fields: tuple[Field, ...] = ()  # CloudTrail rules: every condition holds on the record
    scope: Scope = "any"  # "logs": not applied to CloudTrail records (a field rule covers those)

    def __post_init__(self) -> None:
        textual = self.pattern is not None or bool(self.statuses)
        if textual == bool(self.fields):
            raise ValueError(f"rule {self.id!r}: either fields, or a pattern and/or statuses")
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id!r}: severity must be one of {', '.join(SEVERITIES)}")
