"""Replay formats, pure (no endpoint): Firehose objects, export-task text, chunking, day ranges."""

from __future__ import annotations

import datetime as dt
import gzip
from typing import Any

import orjson
import pytest

from stream_processor.decode import decode_payload
from stream_processor.replay.days import DayRange
from stream_processor.replay.export import event_id, export_items, parse_export_text, stream_from_key
from stream_processor.replay.formats import (
    MAX_BATCH_EVENTS,
    Invalid,
    Item,
    Payload,
    Skipped,
    archive_items,
    chunk_events,
    firehose_items,
    split_json,
)
from tests.support.builders import compress, control_envelope, corpus_file, envelope, log_event

NOON = 1_764_158_400_000  # 2025-11-26T12:00:00Z
DAY = 86_400_000
EXPORT_KEY = "exports/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/i-0abc/000000.gz"


def _events(items: list[Item]) -> list[dict[str, Any]]:
    return [event for item in items if isinstance(item, Payload) for event in decode_payload(item.raw).events]


def firehose_object(docs: list[dict[str, Any]]) -> bytes:
    """Members as a delivery stream writes them: some with two envelopes back to back, some one
    per line, and one whose envelopes are separated by a newline."""
    texts = [orjson.dumps(doc) for doc in docs]
    members = [texts[0] + texts[1], *(text + b"\n" for text in texts[2:-1]), b"\n".join(texts[-1:])]
    return b"".join(gzip.compress(member, mtime=0) for member in members)


def test_firehose_object_yields_every_envelope_and_skips_control_messages() -> None:
    docs = [envelope([log_event(f"INFO n={i}", NOON + i), log_event("ERROR x", NOON + i)]) for i in range(4)]
    docs.insert(2, control_envelope())
    items = list(firehose_items(firehose_object(docs), "t", DayRange()))
    payloads = [item for item in items if isinstance(item, Payload)]
    assert len(payloads) == 4 and [i.reason for i in items if isinstance(i, Skipped)] == ["control_message"]
    assert len(_events(items)) == 8
    # each envelope is kept whole: the batch id is the one it had when delivered live
    live_ids = {decode_payload(compress(doc)).batch_id for doc in docs if doc["logEvents"][0]["id"]}
    assert {decode_payload(p.raw).batch_id for p in payloads} == live_ids


def test_firehose_broken_member_keeps_what_came_before_and_quarantines_the_object() -> None:
    good = gzip.compress(orjson.dumps(envelope([log_event("INFO a", NOON)])), mtime=0)
    raw = good + gzip.compress(b"x" * 100, mtime=0)[:-8]  # second member truncated
    items = list(firehose_items(raw, "t", DayRange()))
    assert isinstance(items[0], Payload)
    assert isinstance(items[1], Invalid) and items[1].reason == "truncated" and items[1].raw == raw


def test_firehose_nested_gzip_and_group_filter() -> None:
    inner = b"".join(
        compress(envelope([log_event("INFO a", NOON)], log_group=group)) for group in ("/admin/logs", "/x")
    )
    items = list(firehose_items(gzip.compress(inner, mtime=0), "t", DayRange(), groups={"/admin/logs"}))
    assert [type(i).__name__ for i in items] == ["Payload", "Skipped"]
    assert isinstance(items[1], Skipped) and items[1].reason == "other_group" and items[1].events == 1


def test_split_json_recovers_after_a_part_that_is_not_json() -> None:
    env = orjson.dumps(envelope([log_event("INFO a", NOON)])).decode()
    values = [value for _, _, value in split_json(f"{env}{{oops\n{env}")]
    assert [type(v).__name__ for v in values] == ["dict", "DecodeError", "dict"]


@pytest.mark.parametrize(
    ("name", "envelopes", "events", "invalid"),
    [
        ("multiple_records", 2, 2, 0),
        ("some_invalid_records", 2, 2, 1),
        ("two_records_one_with_extracted_fields", 1, 2, 0),
    ],
)
def test_firehose_corpus_fixtures(name: str, envelopes: int, events: int, invalid: int) -> None:
    path = corpus_file("events", f"otel-contrib__awsfirehose-cwlog__{name}")
    if not path.is_file():
        pytest.skip("../shared/corpus is absent")
    raw = path.read_bytes()  # uncompressed concatenated JSON, as Firehose writes with decompression on
    items = list(firehose_items(raw, "t", DayRange()))
    assert sum(isinstance(i, Payload) for i in items) == envelopes
    assert len(_events(items)) == events
    bad = [i for i in items if isinstance(i, Invalid)]
    assert len(bad) == invalid
    if bad:  # the stock-ticker record: valid JSON, no envelope; quarantined as exactly its own text
        assert bad[0].reason == "bad_envelope" and orjson.loads(bad[0].raw)["TICKER_SYMBOL"] == "SAC"
    # the same object gzip-compressed member by member counts the same
    members = b"".join(gzip.compress(line, mtime=0) for line in raw.splitlines())
    assert len(_events(list(firehose_items(members, "t", DayRange())))) == events


EXPORT_TEXT = (
    b"2025-11-26T23:59:59.900Z ERROR Traceback (most recent call last):\n"
    b'  File "app.py", line 1\n'
    b"ValueError: boom\n"
    b"2025-11-26T12:00:00.000Z INFO first\n"
    b"2025-11-27T00:00:00.100Z INFO after midnight\n"
    b"2025-11-26T12:00:00.000Z INFO same millisecond, later line\n"
)


def test_export_text_multiline_and_ids_are_stable() -> None:
    events, orphan = parse_export_text(EXPORT_TEXT, EXPORT_KEY)
    assert orphan == b"" and len(events) == 4
    assert (
        events[0]["message"]
        == 'ERROR Traceback (most recent call last):\n  File "app.py", line 1\nValueError: boom'
    )
    assert events[0]["id"] == event_id(EXPORT_KEY, 0) and len(events[0]["id"]) == 56
    assert events[1]["id"] == event_id(EXPORT_KEY, EXPORT_TEXT.index(b"2025-11-26T12:00:00.000Z INFO first"))
    assert parse_export_text(EXPORT_TEXT, EXPORT_KEY) == (events, orphan)


def test_export_object_sorted_chunked_per_day_and_deterministic() -> None:
    raw = gzip.compress(EXPORT_TEXT, mtime=0)
    items = list(export_items(raw, EXPORT_KEY, "/admin/logs", DayRange(), "t"))
    assert items == list(export_items(raw, EXPORT_KEY, "/admin/logs", DayRange(), "t"))  # byte-identical
    batches = [decode_payload(i.raw) for i in items if isinstance(i, Payload)]
    assert [len(b.events) for b in batches] == [3, 1]  # 26 Nov, then 27 Nov
    day_one = [e["message"].split("\n")[0] for e in batches[0].events]
    assert day_one[0] == "INFO first" and day_one[-1].startswith("ERROR Traceback")
    assert {b.log_group for b in batches} == {"/admin/logs"} and {b.log_stream for b in batches} == {"i-0abc"}
    only_27 = list(export_items(raw, EXPORT_KEY, "/admin/logs", DayRange.parse("2025-11-27", None), "t"))
    assert [type(i).__name__ for i in only_27] == ["Skipped", "Payload"]
    assert only_27[1] == items[1]  # same chunk whatever the range: same batch id


def test_export_orphan_lines_are_quarantined_and_stream_names_keep_slashes() -> None:
    items = list(
        export_items(b"no stamp here\n2025-11-26T12:00:00Z INFO x\n", EXPORT_KEY, "/g", DayRange(), "t")
    )
    assert (
        isinstance(items[0], Invalid)
        and items[0].reason == "orphan_lines"
        and items[0].raw == b"no stamp here"
    )
    assert len(_events(items)) == 1
    key = "e/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/2025/11/26/[$LATEST]abc/000001.gz"
    assert stream_from_key(key) == "2025/11/26/[$LATEST]abc"
    assert stream_from_key("e/task/stream-1/000000.gz") == "stream-1"


def test_chunk_events_respects_count_size_and_midnight() -> None:
    many = [log_event("x", NOON) for _ in range(MAX_BATCH_EVENTS + 1)]
    assert [len(c) for c in chunk_events(many, split_days=False)] == [MAX_BATCH_EVENTS, 1]
    big = [log_event("y" * 400_000, NOON + i) for i in range(3)]
    assert [len(c) for c in chunk_events(big, split_days=False)] == [2, 1]
    night = [log_event("a", NOON + DAY // 2 - 1), log_event("b", NOON + DAY // 2)]
    assert [len(c) for c in chunk_events(night, split_days=True)] == [1, 1]
    assert [len(c) for c in chunk_events(night, split_days=False)] == [2]


def test_day_range_and_archive_lookback() -> None:
    window = DayRange.parse("2025-11-27", "2025-11-27")
    assert window.lookback(dt.date(2025, 11, 26)) and not window.covers_day(dt.date(2025, 11, 26))
    assert (
        window.covers_ms(NOON + DAY) and not window.covers_ms(NOON) and not window.covers_ms(NOON + 2 * DAY)
    )
    crossing = compress(envelope([log_event("a", NOON + DAY // 2 - 1), log_event("b", NOON + DAY // 2)]))
    same_day = compress(envelope([log_event("a", NOON)]))
    assert isinstance(next(archive_items(crossing, "t", window, lookback=True)), Payload)
    assert next(archive_items(same_day, "t", window, lookback=True)) == Skipped("outside_range", 1)
    assert isinstance(next(archive_items(b"junk", "t", window, lookback=True)), Payload)  # Ingest quarantines
