"""The partial format's small contracts: deterministic encoding, schema check, one day per merge."""

from __future__ import annotations

import pytest

from stream_processor import aggregate


def _partial(date: str, events: int) -> aggregate.Partial:
    window = aggregate.new_window()
    window["events"] = events
    return {"schema": 2, "date": date, "partials": 1, "batch": None, "windows": {"g": {"03": window}}}


def test_encoding_is_sorted_and_compact() -> None:
    data = aggregate.encode({"windows": {}, "schema": 2, "date": "2025-11-26", "batch": None, "partials": 0})
    assert data == b'{"batch":null,"date":"2025-11-26","partials":0,"schema":2,"windows":{}}'
    assert aggregate.decode(data)["schema"] == 2


def test_decode_reads_schema_1_windows_as_exact_counters() -> None:
    window = {**aggregate.new_window(), "dropped": 7}
    del window["folded"]
    old = {"schema": 1, "date": "2025-11-26", "partials": 1, "batch": None, "windows": {"g": {"03": window}}}
    upgraded = aggregate.decode(aggregate.encode(old))
    assert upgraded["schema"] == 2
    assert upgraded["windows"]["g"]["03"] == aggregate.new_window()


@pytest.mark.parametrize("data", [b'{"schema": 3}', b"[]", b'{"date": "2025-11-26"}'])
def test_decode_rejects_what_is_not_a_partial(data: bytes) -> None:
    with pytest.raises(ValueError, match="schema-2"):
        aggregate.decode(data)


def test_partials_of_different_days_do_not_merge() -> None:
    with pytest.raises(ValueError, match="2025-11-26 and 2025-11-27"):
        aggregate.merge(_partial("2025-11-26", 1), _partial("2025-11-27", 1))
    with pytest.raises(ValueError, match="schema"):
        aggregate.merge(_partial("2025-11-26", 1), {**_partial("2025-11-26", 1), "schema": 3})


def test_merge_adds_windows_and_forgets_batch_metadata() -> None:
    a, b = _partial("2025-11-26", 2), _partial("2025-11-26", 3)
    a["batch"] = {"batch_id": "x"}
    assert aggregate.merge(a, aggregate.empty())["batch"] == {"batch_id": "x"}
    merged = aggregate.merge(a, b)
    assert merged["windows"]["g"]["03"]["events"] == 5
    assert (merged["partials"], merged["batch"]) == (2, None)
