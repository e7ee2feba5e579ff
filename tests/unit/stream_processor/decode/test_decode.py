"""Decoding one subscription payload: base64, gzip/zlib with a hard cap, the envelope, the batch id."""

from __future__ import annotations

import base64
import gzip
import tracemalloc
import zlib

import orjson
import pytest

from stream_processor.decode import (
    b64decode,
    batch_id,
    decode_payload,
    decompress,
    iter_members,
    loads_lenient,
    looks_compressed,
)
from stream_processor.errors import DecodeError
from stream_processor.pipeline import decode_data
from tests.support.builders import compress, control_envelope, envelope, gzip_id, log_event

NOON = 1_764_158_400_000  # 2025-11-26T12:00:00Z


def _reason(raw: bytes, cap: int = 1 << 20) -> str:
    with pytest.raises(DecodeError) as caught:
        decode_payload(raw, cap)
    return caught.value.reason


def test_gzip_and_zlib_payloads_give_the_same_batch() -> None:
    doc = envelope([log_event("hello", NOON, "1"), log_event("world", NOON + 1, "2")])
    by_gzip = decode_payload(compress(doc))
    by_zlib = decode_payload(zlib.compress(orjson.dumps(doc)))
    assert by_gzip == by_zlib
    assert (by_gzip.log_group, by_gzip.owner, by_gzip.subscription_filters) == (
        "/admin/logs",
        "123456789012",
        ("logreview",),
    )
    assert [e["message"] for e in by_gzip.events] == ["hello", "world"]


def test_base64_text_and_raw_bytes_are_both_accepted() -> None:
    raw = compress(envelope([log_event("x", NOON)]))
    text = base64.b64encode(raw).decode()
    assert decode_data(text) == decode_data(raw) == decode_data(text.encode())


def test_base64_is_validated() -> None:
    with pytest.raises(DecodeError) as caught:
        b64decode("H4sI$$$not base64")
    assert caught.value.reason == "not_base64"


def test_ids_normalised_to_str_unknown_fields_tolerated_extracted_fields_kept() -> None:
    doc = envelope([{"id": 7, "timestamp": NOON, "message": "m", "extractedFields": {"user": "bob"}}])
    doc["policyLevel"] = "ACCOUNT_LEVEL_POLICY"
    doc["someFutureField"] = {"x": 1}
    batch = decode_payload(compress(doc))
    expected = {"id": "7", "timestamp": NOON, "message": "m", "extractedFields": {"user": "bob"}}
    assert batch.events == [expected]


def test_non_string_messages_become_text() -> None:
    events = [{"id": str(i), "timestamp": NOON, "message": m} for i, m in enumerate([None, 5, {"a": 1}])]
    batch = decode_payload(compress(envelope(events)))
    assert [e["message"] for e in batch.events] == ["", "5", '{"a":1}']


def test_control_message_is_recognised() -> None:
    batch = decode_payload(compress(control_envelope()))
    assert batch.is_control and batch.events == []


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"id": "1", "timestamp": "soon", "message": "m"}, "bad_event"),
        ({"id": "1", "timestamp": -1, "message": "m"}, "bad_event"),
        ({"id": "1", "timestamp": True, "message": "m"}, "bad_event"),
        ({"timestamp": NOON, "message": "m"}, "bad_event"),
        ("not an object", "bad_event"),
    ],
)
def test_bad_events_are_decode_errors(event: object, reason: str) -> None:
    assert _reason(compress(envelope([event]))) == reason  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"plain text, not compressed", "not_compressed"),
        (gzip.compress(b"not json"), "not_json"),
        (gzip.compress(b"[1, 2]"), "bad_envelope"),
        (gzip.compress(b'{"owner": "1", "logGroup": "g", "logStream": "s"}'), "bad_envelope"),
        (gzip.compress(b'{"owner": "1", "logGroup": "g", "logStream": "", "logEvents": {}}'), "bad_envelope"),
        (gzip.compress(b"{}{}"), "concatenated_json"),
        (gzip.compress(b"{}")[:-9], "truncated"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff garbage", "corrupt_compressed"),
        (gzip.compress(b"{}") + gzip.compress(b"{}"), "multiple_members"),
    ],
    ids=gzip_id,
)
def test_undecodable_payloads_have_a_reason(raw: bytes, reason: str) -> None:
    assert _reason(raw) == reason


def test_gzip_bomb_stops_at_the_cap_with_bounded_memory() -> None:
    cap = 1 << 20
    bomb = gzip.compress(b"\0" * (200 << 20), compresslevel=9)  # 200 MiB of zeros, ~200 KiB gzip
    assert len(bomb) < 1 << 20
    tracemalloc.start()
    try:
        assert _reason(bomb, cap) == "too_large"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * cap  # never the 200 MiB


def test_iter_members_reads_every_member_but_decompress_only_one() -> None:
    raw = gzip.compress(b"one") + b"\0\0" + zlib.compress(b"two") + gzip.compress(b"three")
    assert list(iter_members(raw)) == [b"one", b"two", b"three"]
    with pytest.raises(DecodeError):
        decompress(raw)
    with pytest.raises(DecodeError) as caught:
        list(iter_members(gzip.compress(b"x" * 100) * 3, cap=250))
    assert caught.value.reason == "too_large"  # the cap is on the total, not per member


def test_looks_compressed() -> None:
    assert looks_compressed(gzip.compress(b"x")) and looks_compressed(zlib.compress(b"x", 9))
    assert not looks_compressed(b"H4sIAAAA") and not looks_compressed(b"")


def test_lenient_json_replaces_invalid_utf8_and_lone_surrogates() -> None:
    assert loads_lenient(b'{"m": "caf\xe9"}') == {"m": "caf\ufffd"}
    value = loads_lenient(b'{"m": "x\\ud800y"}')
    assert isinstance(value, dict) and "\ud800" not in value["m"]
    orjson.dumps(value)  # serialisable again: nothing poisons the partial's encoding


def test_batch_id_covers_every_event_id_timestamp_and_message() -> None:
    events = [log_event("a", NOON, "0"), log_event("b", NOON + 1, "1"), log_event("c", NOON + 2, "2")]
    base = batch_id("1", "g", "s", events)
    assert base == batch_id("1", "g", "s", [dict(e) for e in events]) and len(base) == 32
    middle_changed = [events[0], {**events[1], "timestamp": NOON + 5}, events[2]]
    others = {
        batch_id("2", "g", "s", events),
        batch_id("1", "h", "s", events),
        batch_id("1", "g", "t", events),
        batch_id("1", "g", "s", middle_changed),
        batch_id("1", "g", "s", [events[0], events[2], events[1]]),
        batch_id("1", "g", "s", events[:2]),
        batch_id("1", "g", "s", [events[0], {**events[1], "message": "B"}, events[2]]),
        # message boundaries count: "ab" + "c" is not "a" + "bc"
        batch_id("1", "g", "s", [{**events[0], "message": "ab"}, {**events[1], "message": ""}, events[2]]),
    }
    assert base not in others and len(others) == 8
