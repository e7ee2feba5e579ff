"""CloudTrail rules at work: field conditions on a record, and the needles that find candidates.

Conditions are evaluated as CloudWatch Logs evaluates `{ $.a = "x" && ... }` metric filters: a
comparison with an absent field is false, `*` is a wildcard at either end of a value. Records are
found cheaply: for each rule a pattern that every record it matches must contain (`needle`) runs
in the batch's single engine pass, and only records that hit one are parsed and checked field by
field. A record that escapes ASCII letters as `\\u00XX` could hide a needle, so such records
(`ESCAPED_ASCII`) are checked against every CloudTrail rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .rules import Rule

RECORD_GATE = r"\"eventVersion\"\s*:"
ESCAPED_ASCII = r"\\u00[2-7][0-9A-Fa-f]"
_ANY_JSON_CHARS = r'(?:[^"\\]|\\.)*'


def _value_pattern(value: str) -> str:
    """The JSON string of a value equal to `value` (CloudWatch wildcards at the ends), as a pattern."""
    core = "".join(c if c.isalnum() or c == " " else "\\" + c for c in value.strip("*"))
    head = '"' + (_ANY_JSON_CHARS if value.startswith("*") else "")
    tail = "" if value.endswith("*") and len(value) > 1 else '"'
    return head + core + tail


def needle(rule: Rule) -> str:
    """A pattern every record the rule matches contains (from its eventName or first `in` condition)."""
    conditions = [f for f in rule.fields if f.op == "in"]
    condition = next((f for f in conditions if f.path == "eventName"), conditions[0])
    key = condition.path.rsplit(".", 1)[-1]
    values = "|".join(_value_pattern(v) for v in condition.values)
    return rf"\"{key}\"\s*:\s*(?:{values})"


def _lookup(record: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None  # objects, arrays and null never equal a value


def _equals(value: str, wanted: str) -> bool:
    if wanted.startswith("*") and wanted.endswith("*") and len(wanted) > 1:
        return wanted[1:-1] in value
    if wanted.startswith("*"):
        return value.endswith(wanted[1:])
    if wanted.endswith("*"):
        return value.startswith(wanted[:-1])
    return value == wanted


def holds(rule: Rule, record: Mapping[str, Any]) -> bool:
    """Whether every field condition of the rule holds on the record."""
    for condition in rule.fields:
        present, value = _lookup(record, condition.path)
        if condition.op == "missing":
            if present:
                return False
            continue
        text = _text(value) if present else None
        if text is None:
            return False
        if any(_equals(text, wanted) for wanted in condition.values) != (condition.op == "in"):
            return False
    return True


Check = Callable[[Mapping[str, Any]], bool]


def _matcher(values: tuple[str, ...]) -> Callable[[str], bool]:
    """`any(_equals(text, wanted) for wanted in values)` with the values sorted by wildcard kind."""
    exact = frozenset(v for v in values if not v.startswith("*") and not v.endswith("*"))
    inner = tuple(v[1:-1] for v in values if len(v) > 1 and v.startswith("*") and v.endswith("*"))
    suffixes = tuple(v[1:] for v in values if v.startswith("*") and not (len(v) > 1 and v.endswith("*")))
    prefixes = tuple(v[:-1] for v in values if v.endswith("*") and not v.startswith("*"))

    def matches(text: str) -> bool:
        return (
            text in exact
            or text.startswith(prefixes)
            or text.endswith(suffixes)
            or any(part in text for part in inner)
        )

    return matches


def compile_rule(rule: Rule) -> Check:
    """`holds(rule, record)` as one function, the paths split and the values sorted once."""
    conditions = [
        (tuple(f.path.split(".")), f.op == "missing", f.op == "in", _matcher(f.values)) for f in rule.fields
    ]

    def check(record: Mapping[str, Any]) -> bool:
        for parts, missing, wanted, matches in conditions:
            node: Any = record
            for part in parts:
                if not isinstance(node, Mapping) or part not in node:
                    break
                node = node[part]
            else:
                if missing:
                    return False
                text = _text(node)
                if text is None or matches(text) != wanted:
                    return False
                continue
            if not missing:
                return False
        return True

    return check


def is_record(obj: object) -> bool:
    """A CloudTrail record as delivered to CloudWatch Logs: a JSON object with these keys."""
    return isinstance(obj, dict) and "eventVersion" in obj and "eventName" in obj
