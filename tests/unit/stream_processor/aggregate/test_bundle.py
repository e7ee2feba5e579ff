"""Bundles and exactly-once counting, pure (no endpoint): invocation ids, splitting an archive
object back into its payloads, the ledger's three answers, and `rebuild` equal byte for byte to a
bundle that never held the dropped batches."""

from __future__ import annotations

import gzip
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_processor import aggregate
from stream_processor.bundle import BatchLedger, bundles, invocation_id, rebuild
from stream_processor.decode import decode_payload, iter_members, split_members
from stream_processor.errors import DecodeError
from stream_processor.pipeline import aggregate_batch
from tests.support.builders import compress, envelope, log_event

DAY_MS = 1_764_115_200_000  # 2025-11-26T00:00:00Z
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_invocation_id_ignores_order_and_repeats_and_is_the_batch_id_alone() -> None:
    a, b, c = "a" * 32, "b" * 32, "c" * 32
    assert invocation_id([a]) == a
    assert invocation_id([c, a, b]) == invocation_id([a, b, c, a]) != invocation_id([a, b])
    with pytest.raises(ValueError):
        invocation_id([])


members = st.lists(
    # a member holding only a newline is an archive's line end, skipped (sinks/test_archive_lines.py)
    st.tuples(
        st.binary(max_size=3000).filter(lambda b: b != b"\n"),
        st.sampled_from(("gzip", "zlib")),
        st.integers(0, 9),
    ),
    min_size=1,
    max_size=12,
)


def _compress(body: bytes, kind: str, level: int) -> bytes:
    return gzip.compress(body, compresslevel=level, mtime=0) if kind == "gzip" else zlib.compress(body, level)


@SETTINGS
@given(members)
def test_split_members_gives_back_each_member_byte_for_byte(parts: list[tuple[bytes, str, int]]) -> None:
    raws = [_compress(body, kind, level) for body, kind, level in parts]
    joined = b"".join(raws)
    split = list(split_members(joined))
    assert [raw for raw, _ in split] == raws
    assert [text for _, text in split] == [body for body, _, _ in parts] == list(iter_members(joined))


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_split_members_rejects_a_truncated_member(cut: int) -> None:
    raw = gzip.compress(b"x" * 10_000) + gzip.compress(b"y" * 10_000)
    with pytest.raises(DecodeError) as caught:
        list(split_members(raw[:-cut]))
    assert caught.value.reason in ("truncated", "corrupt_compressed")


def test_split_members_stops_at_the_cap() -> None:
    with pytest.raises(DecodeError) as caught:
        list(split_members(gzip.compress(b"\0" * 100_000) * 3, cap=250_000))
    assert caught.value.reason == "too_large"


def _payload(serial: int, size: int, start: int) -> bytes:
    level = ("INFO", "ERROR", "WARN")
    events = [
        log_event(f"{level[i % 3]} job {serial} user=u{i % 4} latency_ms={i}", start + i * 60_000)
        for i in range(size)
    ]
    return compress(envelope(events, log_stream=f"s-{serial}", log_group=f"/g/{serial % 2}"))


def test_ledger_answers_new_duplicate_and_overlap() -> None:
    ledger = BatchLedger()
    a, b, c = "1" * 32, "2" * 32, "3" * 32
    assert ledger.admit({"batch_ids": [a, b]}).status == "new"
    assert ledger.admit({"batch_ids": [b]}).status == "duplicate"
    overlap = ledger.admit({"batch_ids": [b, c]})
    assert (overlap.status, overlap.fresh) == ("overlap", (c,))
    assert ledger.admit({"batch_ids": None}).status == "new"  # a merged partial: its owner records
    assert len(ledger) == 3 and c in ledger and "4" * 32 not in ledger
    ledger.record(["4" * 32, "not-hex"])
    assert ledger.admit({"batch_ids": ["not-hex"]}).status == "duplicate"


@SETTINGS
@given(st.lists(st.integers(1, 40), min_size=2, max_size=8), st.data())
def test_rebuild_equals_the_bundle_of_the_kept_batches(sizes: list[int], data: st.DataObject) -> None:
    payloads = [_payload(n, size, DAY_MS + 22 * 3_600_000 + n * 7_000) for n, size in enumerate(sizes)]
    batches = [decode_payload(raw) for raw in payloads]
    archive = "archive/dt=2025-11-26/hour=22/mixed/x.gz"
    keep = data.draw(st.sets(st.sampled_from([b.batch_id for b in batches]), min_size=1))
    for day in ("2025-11-26", "2025-11-27"):  # the batches run past midnight
        kept = [p for b in batches if b.batch_id in keep for p in aggregate_batch(b) if p["date"] == day]
        expected = bundles(kept, archive)
        rebuilt = rebuild(b"".join(payloads), day, sorted(keep), archive)
        if expected:
            assert aggregate.encode(rebuilt) == aggregate.encode(expected[0])
        else:
            assert rebuilt["batches"] == 0 and rebuilt["windows"] == {}


def test_rebuild_refuses_when_the_archive_lacks_a_batch() -> None:
    raw = _payload(1, 3, DAY_MS)
    with pytest.raises(ValueError, match="lacks 1 batches"):
        rebuild(raw, "2025-11-26", ["f" * 32], "archive/k.gz")


def test_a_bundle_is_the_merge_of_its_batches_and_names_them() -> None:
    payloads = [_payload(n, 5, DAY_MS + n * 1000) for n in range(4)]
    per_batch = [p for raw in payloads for p in aggregate_batch(decode_payload(raw))]
    (bundle,) = bundles(per_batch, "archive/a.gz")
    assert (bundle["partials"], bundle["batches"], bundle["archive"]) == (1, 4, "archive/a.gz")
    assert bundle["batch_ids"] == sorted(decode_payload(raw).batch_id for raw in payloads)
    plain = aggregate.empty()
    for partial in per_batch:
        aggregate.merge_into(plain, partial)
    assert bundle["windows"] == plain["windows"]
