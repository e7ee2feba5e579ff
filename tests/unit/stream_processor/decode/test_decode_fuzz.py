"""Property: whatever reaches the decoder, the result is batches/partials or one DecodeError.

Unstructured fuzz (any bytes, any text) and structured fuzz (valid gzip of arbitrary JSON; valid
envelopes whose events carry arbitrary values) through `decode_payload`, `decode_data` and
`process_data`. When partials come out they must encode and count every event.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_processor import aggregate
from stream_processor.decode import decode_payload
from stream_processor.errors import DecodeError
from stream_processor.pipeline import decode_data, process_data

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
messages = st.one_of(
    st.text(max_size=300),
    json_values.map(lambda v: json.dumps(v)),
    st.sampled_from(
        [
            "",
            "\x00\x01binary\xff",
            "ERROR " + "x" * 5000,
            '{"level": "error", "message": "boom", "latency_ms": "12ms"}',
            'Traceback (most recent call last):\n  File "x"\nValueError: no',
            "REPORT RequestId: 1 Duration: 1e400 ms",
            'level=error msg="a\\"b" user=root status=403',
        ]
    ),
)
weird_events = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.one_of(json_values, st.text(min_size=1, max_size=60)),
            "timestamp": st.one_of(json_values, st.integers(0, 2**53 + 5)),
            "message": st.one_of(json_values, messages),
        },
        optional={"extractedFields": json_values},
    ),
    max_size=6,
)


def _check(outcome: Any, expected_events: int | None = None) -> None:
    """Partials must encode, round-trip, and count every event once."""
    if isinstance(outcome, list):
        total = 0
        for partial in outcome:
            assert aggregate.decode(aggregate.encode(partial)) == partial
            total += sum(w["events"] for hours in partial["windows"].values() for w in hours.values())
        if expected_events is not None and outcome:
            assert total == expected_events


def _run(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except DecodeError as exc:
        assert exc.reason and isinstance(exc.detail, str)
        return exc


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes(raw: bytes) -> None:
    _run(decode_payload, raw)
    _run(decode_data, raw)
    _check(_run(process_data, raw))


@FUZZ
@given(st.text(max_size=500))
def test_any_text(text: str) -> None:
    _run(decode_data, text)
    _check(_run(process_data, text))


@FUZZ
@given(st.binary(max_size=500))
def test_any_bytes_behind_valid_base64_and_compression(body: bytes) -> None:
    for raw in (gzip.compress(body), zlib.compress(body)):
        _check(_run(process_data, base64.b64encode(raw).decode()))
        _check(_run(process_data, raw))


@FUZZ
@given(json_values)
def test_valid_gzip_of_arbitrary_json(value: Any) -> None:
    raw = gzip.compress(json.dumps(value).encode())
    _run(decode_payload, raw)
    _check(_run(process_data, raw))


@FUZZ
@given(weird_events, st.sampled_from(["DATA_MESSAGE", "CONTROL_MESSAGE", "SOMETHING_NEW"]))
def test_envelope_with_weird_event_fields(events: list[dict[str, Any]], message_type: str) -> None:
    doc = {
        "messageType": message_type,
        "owner": "123456789012",
        "logGroup": "/admin/logs",
        "logStream": "s",
        "subscriptionFilters": ["f"],
        "logEvents": events,
    }
    raw = gzip.compress(json.dumps(doc).encode())
    outcome = _run(process_data, raw)
    _check(outcome, len(events))
    if message_type == "CONTROL_MESSAGE" and isinstance(outcome, list):
        assert outcome == []  # acknowledged and skipped, whatever it carries


@FUZZ
@given(st.lists(st.tuples(messages, st.integers(0, 4 * 86_400_000)), min_size=1, max_size=20))
def test_valid_envelopes_always_aggregate(items: list[tuple[str, int]]) -> None:
    """A well-formed envelope is never a decode error, whatever its messages say."""
    base = 1_764_115_200_000
    events = [{"id": str(i), "timestamp": base + ts, "message": m} for i, (m, ts) in enumerate(items)]
    doc = {"owner": "1", "logGroup": "g", "logStream": "s", "logEvents": events}
    outcome = process_data(gzip.compress(json.dumps(doc).encode()))
    _check(outcome, len(events))
    days = {(base + ts) // 86_400_000 for _, ts in items}
    assert len(outcome) == len(days)
