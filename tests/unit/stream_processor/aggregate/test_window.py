"""The window builders agree: a one-event window built directly (`build_one`, the fast path a sixth
of all events take) is the window `build` makes from a column of that one event (property test
over messages of every branch: levels, latencies, principals, secrets, rule hits), and both have
exactly the keys of `Window`."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.aggregate import Window, new_window
from stream_processor.aggregate.window import Columns, Kept, Texts, build, build_one
from stream_processor.parse import parse_message
from stream_processor.redact import Redactor

PIECES = [
    "ERROR db timeout after 30s",
    "Traceback (most recent call last):\n  File x",
    "INFO ok",
    "WARN slow",
    "took 12.5 ms",
    "password=hunter2",
    "AKIAABCDEFGHIJKLMNOP",
    "Failed password for invalid user root from 10.0.0.1 port 22 ssh2",
    "é",
    " ",
]
json_lines = st.fixed_dictionaries(
    {},
    optional={
        "level": st.sampled_from(["error", "INFO", "critical", 50]),
        "latency_ms": st.one_of(st.floats(allow_nan=True), st.integers(-5, 10**9), st.just("3ms")),
        "user": st.sampled_from(["alice", "ghp_" + "a" * 36, "", "x" * 300]),
        "action": st.sampled_from(["login", "DeleteBucket"]),
        "status": st.sampled_from(["500", "denied", 403]),
        "msg": st.sampled_from(PIECES),
    },
).map(lambda obj: orjson.dumps(obj).decode())
messages = st.one_of(
    json_lines, st.lists(st.sampled_from(PIECES), max_size=4).map("".join), st.text(max_size=20)
)


@settings(max_examples=400, deadline=None)
@given(
    messages,
    st.integers(0, 2**41),
    st.lists(st.sampled_from(["ssh_failed_login", "iam_change", "root_login"]), unique=True, max_size=3),
)
def test_one_event_built_directly_is_the_column_of_one(message: str, stamp: int, rules: list[str]) -> None:
    event = {"id": f"{stamp:056d}", "timestamp": stamp, "message": message}
    parsed = parse_message(message)
    hits = {0: tuple(sorted(rules))} if rules else {}
    texts = Kept(Redactor(), Texts())
    one = build_one(event, parsed, hits.get(0, ()), texts)
    column = build(Columns(range(1), [event], [message], [stamp], [parsed]), hits, Kept(Redactor(), Texts()))
    assert orjson.dumps(one, option=orjson.OPT_SORT_KEYS) == orjson.dumps(column, option=orjson.OPT_SORT_KEYS)
    assert one.keys() == column.keys() == Window.__annotations__.keys() == new_window().keys()


def _dumped(window: Window) -> bytes:
    return orjson.dumps(window, option=orjson.OPT_SORT_KEYS)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(messages, min_size=1, max_size=6),
    st.lists(st.sampled_from(["ssh_failed_login", "iam_change"]), unique=True, max_size=2),
)
def test_windows_read_from_warm_memos_are_the_windows_of_cold_ones(
    batch: list[str], rules: list[str]
) -> None:
    """What the memos remember is what they would compute: windows built twice over one warm
    `Texts` equal those built each time over a fresh one."""
    events = [{"id": f"{i:056d}", "timestamp": i, "message": m} for i, m in enumerate(batch)]
    parsed = [parse_message(m) for m in batch]
    hits = {j: tuple(rules) for j in range(0, len(batch), 2)} if rules else {}
    columns = Columns(range(len(batch)), events, batch, list(range(len(batch))), parsed)
    warm = Kept(Redactor(), Texts())
    for _ in range(2):
        assert _dumped(build(columns, hits, warm)) == _dumped(build(columns, hits, Kept(Redactor(), Texts())))
        for j, event in enumerate(events):
            one = build_one(event, parsed[j], hits.get(j, ()), warm)
            assert _dumped(one) == _dumped(
                build_one(event, parsed[j], hits.get(j, ()), Kept(Redactor(), Texts()))
            )
