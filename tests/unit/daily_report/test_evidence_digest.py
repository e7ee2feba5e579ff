"""The evidence digest (pure): deterministic bytes, and a comparison that names exactly what changed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daily_report.evidence import digest
from daily_report.evidence.digest import Entry
from stream_processor.errors import ConfigError
from stream_processor.sinks.retention import lock_headers

hexes = st.text("0123456789abcdef", min_size=8, max_size=8)
entries = st.dictionaries(
    st.text("abcdefgh/=._", min_size=1, max_size=12).map(lambda k: "archive/" + k),
    st.tuples(hexes, hexes, st.integers(0, 10**9)),
    max_size=30,
).map(lambda found: [Entry(key, version, sha, size) for key, (version, sha, size) in found.items()])


@given(entries, st.randoms())
def test_the_digest_is_the_same_bytes_whatever_the_listing_order(found: list[Entry], rng: object) -> None:
    shuffled = list(found)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    link = digest.Link("2026-11-19", "ab" * 32)
    first = digest.build("2026-11-20", found, link, "2026-11-23T03:30:00Z")
    second = digest.build("2026-11-20", shuffled, link, "2026-11-23T03:30:00Z")
    assert digest.canonical(first) == digest.canonical(second)
    assert digest.entries(first) == sorted(found)
    assert first["count"] == len(found) and first["bytes"] == sum(e.size for e in found)


@given(entries, st.data())
def test_compare_names_exactly_the_changed_missing_and_extra_objects(
    found: list[Entry], data: st.DataObject
) -> None:
    keys = [entry.key for entry in found]
    removed = set(data.draw(st.lists(st.sampled_from(keys), unique=True) if keys else st.just([])))
    rest = [entry for entry in found if entry.key not in removed]
    changed = set(
        data.draw(st.lists(st.sampled_from([e.key for e in rest]), unique=True) if rest else st.just([]))
    )
    now = [Entry(e.key, e.version_id + "x", e.sha256, e.size) if e.key in changed else e for e in rest]
    added = Entry("reports/new", "v", "00", 1)
    findings = digest.compare(found, [*now, added])
    assert {entry.key for entry in findings.missing} == removed
    assert {old.key for old, _ in findings.changed} == changed
    assert findings.extra == [added]
    assert digest.compare(found, found).intact


def test_a_key_listed_twice_is_refused() -> None:
    twice = [Entry("archive/a", "1", "00", 1), Entry("archive/a", "2", "00", 1)]
    with pytest.raises(ValueError, match="listed twice"):
        digest.build("2026-11-20", twice, None, "now")


def test_the_fingerprint_changes_with_any_field() -> None:
    doc = digest.build("2026-11-20", [Entry("archive/a", "1", "00", 1)], None, "now")
    edited = {**doc, "objects": [{**doc["objects"][0], "size": 2}]}
    assert digest.fingerprint(doc) != digest.fingerprint(edited)


def test_lock_headers_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    monkeypatch.delenv("OBJECT_LOCK_MODE", raising=False)
    assert lock_headers(now) == {}
    monkeypatch.setenv("OBJECT_LOCK_MODE", "none")
    assert lock_headers(now) == {}
    monkeypatch.setenv("OBJECT_LOCK_MODE", "compliance")
    monkeypatch.setenv("OBJECT_LOCK_DAYS", "7")
    assert lock_headers(now) == {
        "ObjectLockMode": "COMPLIANCE",
        "ObjectLockRetainUntilDate": datetime(2026, 11, 27, tzinfo=UTC),
        "ChecksumAlgorithm": "SHA256",
    }


@pytest.mark.parametrize(
    ("mode", "days", "message"),
    [
        ("LEGAL", "7", "OBJECT_LOCK_MODE"),
        ("GOVERNANCE", "0", "OBJECT_LOCK_DAYS"),
        ("GOVERNANCE", "x", "OBJECT_LOCK_DAYS"),
    ],
)
def test_a_bad_lock_setting_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, mode: str, days: str, message: str
) -> None:
    monkeypatch.setenv("OBJECT_LOCK_MODE", mode)
    monkeypatch.setenv("OBJECT_LOCK_DAYS", days)
    with pytest.raises(ConfigError, match=message):
        lock_headers()
