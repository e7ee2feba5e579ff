"""A CloudTrail rule compiled once (`records.compile_rule`) decides as `records.holds` does (property test).

Records are built from the rules' own paths and values, with wildcard edges, near misses, other
types and missing fields, so every kind of condition and wildcard is exercised.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.detect import records
from stream_processor.detect.cloudtrail import CLOUDTRAIL_RULES
from stream_processor.detect.rules import Field, Rule

PATHS = sorted({f.path for rule in CLOUDTRAIL_RULES for f in rule.fields})
WORDS = sorted({v.strip("*") for rule in CLOUDTRAIL_RULES for f in rule.fields for v in f.values})
texts = st.one_of(
    st.sampled_from(WORDS),
    st.builds(
        lambda a, w, b: a + w + b,
        st.sampled_from(["", "x", "*"]),
        st.sampled_from(WORDS),
        st.sampled_from(["", "y", "*"]),
    ),
    st.text(max_size=4),
)
leaf = st.one_of(
    texts, st.booleans(), st.integers(-3, 3), st.none(), st.floats(allow_nan=False), st.just([]), st.just({})
)


def _put(record: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    node = record
    *parents, last = path.split(".")
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value
    return record


record_parts = st.lists(st.tuples(st.sampled_from(PATHS), leaf), max_size=8)
fields = st.lists(
    st.builds(
        Field,
        st.sampled_from(PATHS),
        st.sampled_from(["in", "not_in", "missing"]),
        st.lists(texts, min_size=1, max_size=4).map(tuple),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=1000, deadline=None)
@given(record_parts)
def test_each_built_in_rule_compiled_decides_as_holds(parts: list[tuple[str, object]]) -> None:
    record: dict[str, Any] = {}
    for path, value in parts:
        _put(record, path, value)
    for rule in CLOUDTRAIL_RULES:
        assert records.compile_rule(rule)(record) == records.holds(rule, record), rule.id


@settings(max_examples=1000, deadline=None)
@given(fields, record_parts)
def test_any_rule_compiled_decides_as_holds(conditions: list[Field], parts: list[tuple[str, object]]) -> None:
    rule = Rule("r", "low", "d", "c", fields=tuple(conditions))
    record: dict[str, Any] = {}
    for path, value in parts:
        _put(record, path, value)
    assert records.compile_rule(rule)(record) == records.holds(rule, record)
