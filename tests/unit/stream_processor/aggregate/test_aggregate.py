"""The partial format's small contracts: deterministic encoding, schema check, one day per merge,
the envelope (ids and archive kept only while one object is inside) and the schema-1 and schema-2
upgrades (schema 3 added `origins`; the merge laws over it are in test_merge_laws.py)."""

from __future__ import annotations

import pytest

from stream_processor import aggregate


def _partial(date: str, events: int) -> aggregate.Partial:
    window = aggregate.new_window()
    window["events"] = events
    return {**aggregate.empty(), "date": date, "partials": 1, "batches": 1, "windows": {"g": {"03": window}}}


def test_encoding_is_sorted_and_compact() -> None:
    data = aggregate.encode({**aggregate.empty(), "date": "2025-11-26"})
    assert data == (
        b'{"archive":null,"batch_ids":null,"batches":0,"date":"2025-11-26","origins":{},"partials":0,"schema":3,'
        b'"windows":{}}'
    )
    assert aggregate.decode(data)["schema"] == 3


def test_decode_reads_schema_1_windows_as_exact_counters() -> None:
    window = {**aggregate.new_window(), "dropped": 7}
    del window["folded"]
    old = {"schema": 1, "date": "2025-11-26", "partials": 1, "batch": None, "windows": {"g": {"03": window}}}
    upgraded = aggregate.decode(aggregate.encode(old))
    assert upgraded["schema"] == 3 and upgraded["origins"] == {}
    assert upgraded["windows"]["g"]["03"] == aggregate.new_window()
    assert (upgraded["partials"], upgraded["batches"], upgraded["archive"]) == (1, 1, None)


@pytest.mark.parametrize("data", [b'{"schema": 4}', b"[]", b'{"date": "2025-11-26"}'])
def test_decode_rejects_what_is_not_a_partial(data: bytes) -> None:
    with pytest.raises(ValueError, match="schema-3"):
        aggregate.decode(data)


def test_decode_upgrades_a_schema_1_partial_and_keeps_its_batch_id() -> None:
    window = aggregate.new_window()
    window["events"] = 4
    old = {"schema": 1, "date": "2025-11-26", "partials": 1, "batch": {"batch_id": "ab" * 16, "events": 4}}
    upgraded = aggregate.decode(aggregate.encode({**old, "windows": {"g": {"03": window}}}))
    assert upgraded == {
        **aggregate.empty(),
        "date": "2025-11-26",
        "partials": 1,
        "batches": 1,
        "batch_ids": ["ab" * 16],
        "windows": {"g": {"03": window}},
    }
    merged = aggregate.merge(upgraded, _partial("2025-11-26", 1))
    assert (merged["partials"], merged["batches"], merged["windows"]["g"]["03"]["events"]) == (2, 2, 5)


def test_partials_of_different_days_do_not_merge() -> None:
    with pytest.raises(ValueError, match="2025-11-26 and 2025-11-27"):
        aggregate.merge(_partial("2025-11-26", 1), _partial("2025-11-27", 1))
    with pytest.raises(ValueError, match="schema"):
        aggregate.merge(_partial("2025-11-26", 1), {**_partial("2025-11-26", 1), "schema": 4})


def test_merge_adds_windows_and_forgets_ids_once_two_objects_are_inside() -> None:
    a, b = _partial("2025-11-26", 2), _partial("2025-11-26", 3)
    a.update(batch_ids=["x"], archive="archive/a.gz")
    kept = aggregate.merge(a, aggregate.empty())
    assert (kept["batch_ids"], kept["archive"]) == (["x"], "archive/a.gz")
    merged = aggregate.merge(a, b)
    assert merged["windows"]["g"]["03"]["events"] == 5
    assert (merged["partials"], merged["batches"], merged["batch_ids"], merged["archive"]) == (
        2,
        2,
        None,
        None,
    )
