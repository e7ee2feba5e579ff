"""The decoder's shortcuts give what the plain readings give (property tests).

`_events` skips an event whose types are already right after one test; every other event goes
through `_normalise`. The reference runs `_normalise` on every event: same events out, or the same
error for the same event.
"""

from __future__ import annotations

import copy
import gzip
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.decode.payload import _events, _normalise, decompress, iter_members
from stream_processor.errors import DecodeError

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 2**54),
    st.sampled_from([0, 2**53 - 1, 2**53, -1]),
    st.floats(allow_nan=False),
    st.text(max_size=3),
    st.lists(st.integers(-(2**63), 2**63 - 1), max_size=2),  # what orjson decodes
    st.dictionaries(st.text(max_size=2), st.integers(-(2**63), 2**63 - 1), max_size=2),
)
events = st.one_of(
    st.fixed_dictionaries(
        {
            "id": st.text(max_size=4),
            "timestamp": st.one_of(st.integers(0, 2**53 - 1), st.sampled_from([-1, 2**53 - 1, 2**53, True])),
            "message": st.text(max_size=4),
        }
    ),
    st.dictionaries(st.sampled_from(["id", "timestamp", "message", "extractedFields"]), values, max_size=4),
    values,
)


def _outcome(run: object, batch: list[object]) -> object:
    try:
        return run(batch)  # type: ignore[operator]
    except DecodeError as exc:
        return (exc.reason, str(exc))


def _plain(batch: list[object]) -> list[object]:
    for index, event in enumerate(batch):
        _normalise(index, event)
    return batch


@settings(max_examples=1500, deadline=None)
@given(st.lists(events, max_size=6))
def test_events_is_the_plain_check_of_every_event(batch: list[object]) -> None:
    assert _outcome(_events, copy.deepcopy(batch)) == _outcome(_plain, copy.deepcopy(batch))


def _plain_decompress(raw: bytes, cap: int) -> bytes:
    """The member-by-member reading `decompress` shortcuts for a single member."""
    members = iter_members(raw, cap)
    first = next(members, None)
    if first is None:
        raise DecodeError("empty", "payload is empty")
    if next(members, None) is not None:
        raise DecodeError("multiple_members", "more than one compressed member in one payload")
    return first


def _member(data: bytes, kind: str) -> bytes:
    return gzip.compress(data, mtime=0) if kind == "gzip" else zlib.compress(data)


members = st.lists(st.tuples(st.binary(max_size=40), st.sampled_from(["gzip", "zlib"])), max_size=3)
tails = st.sampled_from([b"", b"\x00", b"\x00\x00", b"x", b"\x1f\x8b", b"\x78\x9c", b"\x00\x1f"])


@settings(max_examples=1500, deadline=None)
@given(members, tails, st.integers(0, 8), st.sampled_from([10, 40, 1 << 20]))
def test_decompress_is_the_member_by_member_reading(
    parts: list[tuple[bytes, str]], tail: bytes, cut: int, cap: int
) -> None:
    raw = b"".join(_member(data, kind) for data, kind in parts) + tail
    raw = raw[: len(raw) - cut] if cut < len(raw) else raw
    assert _outcome(lambda r: decompress(r, cap), raw) == _outcome(lambda r: _plain_decompress(r, cap), raw)
