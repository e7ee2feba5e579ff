"""The detector's per-combination plans (`Detector._plan`) change nothing: for any combination of
pattern hits and any message, resolving from the plan gives the rule positions `plain_resolve`
(hit by hit, the detector's code before plans) gives, and the scan's memo holds a plan exactly where
the fields decide.

Messages are the CloudTrail fixtures (compact, indented, with a logs-scope line's words appended
to the JSON, and not JSON at all) and the log lines the rules flag; hit combinations are any
sorted set of the engine's pattern slots (text, needle, gate, escaped).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.detect import DEFAULT_DETECTOR
from stream_processor.detect.detector import _ESCAPED, _GATE, _NEEDLE, _TEXT, Detector, _Plan, _record

ROOT = Path(__file__).resolve().parents[4]
RECORDS = orjson.loads((ROOT / "tests" / "fixtures" / "cloudtrail_records.json").read_bytes())["cases"]
DETECTOR = Detector(DEFAULT_DETECTOR.rules)
DETECTOR._compiled()
SLOTS = len(DETECTOR._slots)
LINES = (
    "sshd[4]: Accepted password for deploy from 1.2.3.4 port 51022 ssh2",
    "sshd[1]: Invalid user webmaster from 1.2.3.4",
    "not json \\u0053topLogging",
    '{"eventVersion": "1.08"}',
    "",
)
MESSAGES = (
    *(orjson.dumps(case["record"]).decode() for case in RECORDS),
    *(orjson.dumps(case["record"], option=orjson.OPT_INDENT_2).decode() for case in RECORDS),
    *LINES,
)


def plain_resolve(detector: Detector, message: str, patterns: list[int]) -> set[int]:
    """Rule positions one message triggers, reading its pattern hits one by one."""
    kinds = [detector._slots[k] for k in patterns]
    record: Mapping[str, Any] | None = None
    gated = any(kind in (_GATE, _ESCAPED) for kind, _ in kinds)
    if gated and any(kind != _GATE for kind, _ in kinds):
        record = _record(message)
    positions: set[int] = set()
    for kind, position in kinds:
        if kind == _TEXT:
            if record is None or detector.rules[position].scope != "logs":
                positions.add(position)
        elif kind == _NEEDLE and record is not None and detector._checks[position](record):
            positions.add(position)
        elif kind == _ESCAPED and record is not None:  # needles may be hidden: check every rule
            positions.update(p for p in detector._field_rules if detector._checks[p](record))
    return positions


hit_sets = st.lists(st.integers(0, SLOTS - 1), min_size=1, max_size=6, unique=True).map(sorted)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(MESSAGES), hit_sets, st.booleans())
def test_a_plan_resolves_as_the_plain_resolve(message: str, patterns: list[int], shared: bool) -> None:
    documents = {} if shared else None
    plan = DETECTOR._plan(patterns)
    assert DETECTOR._resolve(message, plan, documents) == plain_resolve(DETECTOR, message, patterns)


@settings(max_examples=1000, deadline=None)
@given(hit_sets)
def test_the_memo_holds_a_plan_where_the_fields_decide(patterns: list[int]) -> None:
    """`_settled` gives a plan where it used to give None (fields decide), else the same ids."""
    settled = DETECTOR._settled(tuple(patterns))
    if type(settled) is _Plan:
        assert settled == DETECTOR._plan(patterns)
    else:
        for message in MESSAGES:
            assert settled == DETECTOR._ids(plain_resolve(DETECTOR, message, patterns))
