"""Archive objects are JSON lines (one envelope per line, what Athena's JSON SerDe reads), and every
reader gives the same payloads for objects written before (payloads back to back, no newline) and
after (each payload followed by a newline member)."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_processor.bundle import archive_batches, rebuild
from stream_processor.decode import LINE_MEMBER, split_members
from stream_processor.replay.days import DayRange
from stream_processor.replay.formats import archive_items
from stream_processor.sinks import archive_body
from tests.support.builders import envelope, log_event

NOON = 1_764_158_400_000  # 2025-11-26T12:00:00Z
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

events = st.lists(
    st.builds(log_event, st.text(max_size=200), st.integers(NOON - 86_400_000, NOON + 86_400_000)),
    min_size=1,
    max_size=6,
)
docs = st.lists(
    st.builds(envelope, events, st.sampled_from(["/admin/logs", "/operator/logs", "/a b/ü"])),
    min_size=1,
    max_size=6,
)


def _payload(doc: dict[str, Any], kind: str, level: int) -> bytes:
    text = orjson.dumps(doc)
    return gzip.compress(text, compresslevel=level, mtime=0) if kind == "gzip" else zlib.compress(text, level)


payloads = st.lists(
    st.tuples(st.sampled_from(("gzip", "zlib")), st.integers(0, 9)), min_size=1, max_size=6
).flatmap(
    lambda kinds: st.tuples(
        st.just(kinds), st.lists(st.builds(envelope, events), min_size=len(kinds), max_size=len(kinds))
    )
)


def test_the_line_member_is_one_gzip_member_holding_a_newline() -> None:
    assert gzip.decompress(LINE_MEMBER) == b"\n"
    assert list(split_members(LINE_MEMBER)) == []


@SETTINGS
@given(payloads)
def test_readers_return_the_same_payloads_for_old_and_new_objects(
    drawn: tuple[list[tuple[str, int]], list[dict[str, Any]]],
) -> None:
    kinds, envelopes = drawn
    raws = [_payload(doc, kind, level) for (kind, level), doc in zip(kinds, envelopes, strict=True)]
    old, new = b"".join(raws), archive_body(raws)
    assert new != old and new.startswith(raws[0])
    assert list(split_members(new)) == list(split_members(old))
    assert [raw for raw, _ in split_members(new)] == raws  # the payloads, byte for byte
    assert [b.batch_id for _, b in archive_batches(new)] == [b.batch_id for _, b in archive_batches(old)]
    window = DayRange()
    assert list(archive_items(new, "o", window, False)) == list(archive_items(old, "o", window, False))
    day = "2025-11-26"
    keep = [batch.batch_id for _, batch in archive_batches(old)]
    assert rebuild(new, day, keep, "k") == rebuild(old, day, keep, "k")


@SETTINGS
@given(docs)
def test_a_new_object_decompresses_to_one_envelope_per_line(envelopes: list[dict[str, Any]]) -> None:
    """CloudWatch's payloads are gzip of compact JSON: the object is JSON lines, as Athena reads it
    (multi-member gzip, one JSON object per line, the last line ended too)."""
    body = archive_body([gzip.compress(orjson.dumps(doc), mtime=0) for doc in envelopes])
    text = gzip.decompress(body)
    assert text.endswith(b"\n")
    assert [orjson.loads(line) for line in text.split(b"\n")[:-1]] == envelopes
