"""The detector's per-combination plans (`Detector._plan`) change nothing: for any combination of
pattern hits and any message, resolving from the plan gives the rule positions the plain
`Detector._resolve` gives, and the scan's memo holds a plan exactly where `_resolve` was needed.

Messages are the CloudTrail fixtures (compact, indented, with a logs-scope line's words appended
to the JSON, and not JSON at all) and the log lines the rules flag; hit combinations are any
sorted set of the engine's pattern slots (text, needle, gate, escaped).
"""

from __future__ import annotations

from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.detect import DEFAULT_DETECTOR
from stream_processor.detect.detector import Detector, _Plan

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
hit_sets = st.lists(st.integers(0, SLOTS - 1), min_size=1, max_size=6, unique=True).map(sorted)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(MESSAGES), hit_sets, st.booleans())
def test_a_plan_resolves_as_the_plain_resolve(message: str, patterns: list[int], shared: bool) -> None:
    documents = {} if shared else None
    plan = DETECTOR._plan(patterns)
    assert DETECTOR._resolve_planned(message, plan, documents) == DETECTOR._resolve(message, patterns)


@settings(max_examples=1000, deadline=None)
@given(hit_sets)
def test_the_memo_holds_a_plan_where_the_fields_decide(patterns: list[int]) -> None:
    """`_settled` gives a plan where it used to give None (fields decide), else the same ids."""
    settled = DETECTOR._settled(tuple(patterns))
    if type(settled) is _Plan:
        assert settled == DETECTOR._plan(patterns)
    else:
        for message in MESSAGES:
            assert settled == DETECTOR._ids(DETECTOR._resolve(message, patterns))
