"""The rollup document and the join of an hour's listing with what a rollup covers (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from daily_report.rollup.roller import RollupError, event_hours, parse_hour
from daily_report.source import rollup_doc
from daily_report.source.rollup_doc import PartialObject, Rollup, classify, cover_entries, join
from stream_processor import aggregate

PREFIX = "aggregates/dt=2026-03-14/hour=05/"
WHEN = datetime(2026, 3, 14, 6, tzinfo=UTC)


def _listing(entries: dict[str, str]) -> list[PartialObject]:
    return [PartialObject(PREFIX + name, WHEN, etag) for name, etag in sorted(entries.items())]


def _covers(entries: dict[str, str]) -> str:
    return "\n".join(f"{name} {etag}" for name, etag in sorted(entries.items()))


names = st.text(alphabet="0123456789abcdef", min_size=1, max_size=6).map(lambda s: s + ".json")
etags = st.sampled_from(["e1", "e2", "e3"])


@given(st.dictionaries(names, etags, max_size=40), st.dictionaries(names, etags, max_size=40))
def test_classify_equals_the_set_computation(recorded: dict[str, str], listed: dict[str, str]) -> None:
    state = classify(_listing(listed), _covers(recorded), PREFIX)
    assert state.listed == len(listed)
    assert state.covered == sum(1 for n, e in listed.items() if recorded.get(n) == e)
    assert state.expired == len(set(recorded) - set(listed))
    assert sorted(state.stale) == sorted(n for n, e in listed.items() if n in recorded and recorded[n] != e)
    assert [o.key for o in state.late] == [PREFIX + n for n in sorted(set(listed) - set(recorded))]
    assert state.usable == (not state.stale)


@given(st.dictionaries(names, etags, max_size=40))
def test_cover_entries_round_trip(entries: dict[str, str]) -> None:
    assert list(cover_entries(_covers(entries))) == sorted(entries.items())


def test_a_listing_out_of_key_order_is_an_error_not_a_miscount() -> None:
    listing = [PartialObject(PREFIX + "b.json", WHEN, "e"), PartialObject(PREFIX + "a.json", WHEN, "e")]
    with pytest.raises(ValueError, match="not in key order"):
        list(join(listing, "", PREFIX))


def test_document_round_trip_is_deterministic() -> None:
    partial = aggregate.empty()
    doc = Rollup("2026-03-14", 5, PREFIX, 2, "a.json e1\nb.json e2", partial)
    again = rollup_doc.decode(doc.encode(), "k")
    assert again.encode() == doc.encode() and again.hour == 5 and again.objects == 2
    assert rollup_doc.rollup_key(date(2026, 3, 14), 5) == "rollups/dt=2026-03-14/hour=05.json"
    assert rollup_doc.hour_prefix(date(2026, 3, 14), 5) == PREFIX
    with pytest.raises(ValueError, match="k is not a rollup"):
        rollup_doc.decode(b'{"schema": 1, "date": "2026-03-14"}', "k")


def test_events_name_their_hours() -> None:
    day = date(2026, 3, 14)
    assert event_hours({"hour": "2026-03-14T05"}) == [(day, 5)]
    assert event_hours({"date": "2026-03-14"}) == [(day, h) for h in range(24)]
    scheduled = {"detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-03-14T05:07:00Z"}
    assert event_hours(scheduled) == [(day, 3)]  # the hour before the previous one
    midnight = {**scheduled, "time": "2026-03-15T01:07:00Z"}
    assert event_hours(midnight) == [(day, 23)]
    assert event_hours({"time": "2026-03-15T00:15:00Z", "hours_back": 0}) == [(date(2026, 3, 15), 0)]
    assert event_hours({"time": "2026-03-15T00:15:00Z", "hours_back": 1}) == [(day, 23)]
    with pytest.raises(RollupError, match="hours_back"):
        event_hours({"time": "2026-03-15T00:15:00Z", "hours_back": "0"})
    for bad in ("2026-03-14T24", "2026-03-14 05", "2026-03-14", 5):
        with pytest.raises(RollupError):
            parse_hour(bad)
    with pytest.raises(RollupError, match="neither"):
        event_hours({"foo": 1})


HEX = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


@given(st.dictionaries(HEX, etags, max_size=20), st.lists(HEX, max_size=20))
def test_counted_is_the_covered_names_and_the_recorded_ids(covered: dict[str, str], ids: list[str]) -> None:
    named = {f"{name}.json": etag for name, etag in covered.items()}
    doc = Rollup(
        "2026-03-14", 5, PREFIX, len(named), _covers(named), aggregate.empty(), rollup_doc.join_ids(ids)
    )
    again = rollup_doc.decode(doc.encode(), "k")
    assert again.batch_ids == doc.batch_ids and list(rollup_doc.id_lines(again.batch_ids)) == sorted(set(ids))
    assert sorted(again.counted()) == sorted([*covered, *sorted(set(ids))])


def test_a_direct_mode_document_has_no_batch_ids_key() -> None:
    doc = Rollup("2026-03-14", 5, PREFIX, 1, "a.json e1", aggregate.empty())
    assert "batch_ids" not in orjson.loads(doc.encode())  # the same bytes as before the field existed
    assert rollup_doc.decode(doc.encode(), "k").batch_ids == ""
    with_ids = Rollup("2026-03-14", 5, PREFIX, 1, "a.json e1", aggregate.empty(), "0a\n0b")
    assert orjson.loads(with_ids.encode())["batch_ids"] == "0a\n0b"
    bad = orjson.loads(with_ids.encode())
    bad["batch_ids"] = ["0a"]
    with pytest.raises(ValueError, match="batch_ids"):
        rollup_doc.decode(orjson.dumps(bad), "k")
