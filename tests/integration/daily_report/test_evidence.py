"""Evidence end to end against moto over HTTP: a real day (processor archive + daily reports) is
sealed with a KMS signature, verified, and every kind of tampering is caught; Object Lock
retention on evidence writes only; legal holds placed and released."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import boto3
import orjson
import pytest

from daily_report import handler as report_handler
from daily_report.errors import ReportError
from daily_report.evidence import handler as evidence_handler
from daily_report.evidence.hold import set_legal_hold
from daily_report.evidence.seal import EvidenceStore, KmsSigner, Sealed, digest_key, seal
from daily_report.evidence.verify import verify
from daily_report.publish import rows_key
from stream_processor import handler as processor
from stream_processor.cli import main as cli
from stream_processor.config import clear_caches
from tests.support.builders import generated_day, labelled_batches, subscription_event

DAY = "2026-11-20"
NEXT = "2026-11-21"


@pytest.fixture
def locked(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The `aws` fixture's config, but a bucket with versioning and Object Lock, and a signing key."""
    bucket = f"logreview-lock-{uuid.uuid4().hex[:12]}"
    s3 = aws["s3"]
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    key = boto3.client("kms").create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    monkeypatch.setenv("REPORT_BUCKET", bucket)
    monkeypatch.setenv("EVIDENCE_KEY_ID", key["Arn"])
    monkeypatch.setenv("OBJECT_LOCK_MODE", "GOVERNANCE")
    monkeypatch.setenv("OBJECT_LOCK_DAYS", "30")
    clear_caches()
    processor._ingest.cache_clear()
    yield {**aws, "bucket": bucket, "key": key["Arn"]}
    processor._ingest.cache_clear()


def _process_day(day: str) -> None:
    for payload in labelled_batches(generated_day(day, per_hour=4)):
        processor.lambda_handler(subscription_event(payload), None)
    report_handler.lambda_handler({"date": day}, None)


def _parts(env: dict[str, Any]) -> tuple[EvidenceStore, KmsSigner]:
    return EvidenceStore(env["s3"], env["bucket"]), KmsSigner(boto3.client("kms"), env["key"])


def _keys(env: dict[str, Any], prefix: str) -> list[str]:
    pages = env["s3"].get_paginator("list_objects_v2").paginate(Bucket=env["bucket"], Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@pytest.fixture
def sealed_day(locked: dict[str, Any]) -> dict[str, Any]:
    _process_day(DAY)
    store, signer = _parts(locked)
    result = seal(store, signer, date.fromisoformat(DAY))
    assert result.written
    return locked


def test_a_sealed_day_verifies_and_lists_every_archive_and_report_object(
    sealed_day: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    store, _ = _parts(sealed_day)
    sealed = store.read(date.fromisoformat(DAY))
    assert sealed is not None
    expected = _keys(sealed_day, f"archive/dt={DAY}/") + _keys(sealed_day, "reports/2026/11/20/")
    assert len(expected) > 5 and rows_key(date.fromisoformat(DAY)) in expected  # the report's table rows
    assert [entry["key"] for entry in sealed.doc["objects"]] == sorted(expected)
    assert cli(["verify", "--date", DAY]) == 0
    out = capsys.readouterr().out
    assert "signature     valid" in out and f"{DAY}: VERIFIED" in out
    assert f"{len(expected)} objects" in out.replace(",", "")


def test_sealing_again_changes_nothing(sealed_day: dict[str, Any]) -> None:
    before = sealed_day["s3"].get_object(Bucket=sealed_day["bucket"], Key=digest_key(date(2026, 11, 20)))
    again = evidence_handler.lambda_handler({"date": DAY}, None)
    after = sealed_day["s3"].get_object(Bucket=sealed_day["bucket"], Key=digest_key(date(2026, 11, 20)))
    assert again["written"] is False
    assert before["VersionId"] == after["VersionId"]


def test_a_changed_archive_object_is_named(
    sealed_day: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    target = _keys(sealed_day, f"archive/dt={DAY}/")[0]
    sealed_day["s3"].put_object(Bucket=sealed_day["bucket"], Key=target, Body=b"rewritten")
    assert cli(["verify", "--date", DAY]) == 1
    out = capsys.readouterr().out
    assert f"CHANGED  {target}" in out and "1 changed, 0 missing, 0 extra" in out and "NOT VERIFIED" in out
    assert "(sealed version retained)" in out  # versioning + Object Lock keep what was sealed


def test_a_missing_and_an_extra_object_are_named(sealed_day: dict[str, Any]) -> None:
    store, signer = _parts(sealed_day)
    report = _keys(sealed_day, "reports/2026/11/20/")[0]
    sealed_day["s3"].delete_object(Bucket=sealed_day["bucket"], Key=report)  # a delete marker
    extra = f"archive/dt={DAY}/hour=23/admin_logs/{'f' * 32}.gz"
    sealed_day["s3"].put_object(Bucket=sealed_day["bucket"], Key=extra, Body=b"planted")
    verdict = verify(store, signer, date.fromisoformat(DAY))
    assert [entry.key for entry in verdict.findings.missing] == [report]
    assert [entry.key for entry in verdict.findings.extra] == [extra]
    assert not verdict.findings.changed and not verdict.ok
    assert verdict.retained == {report}  # a delete marker hides it; the sealed version is still there


def test_an_edited_digest_fails_its_signature(sealed_day: dict[str, Any]) -> None:
    """Someone without the KMS key drops an object from the digest and fixes up the hash."""
    from daily_report.evidence import digest

    store, signer = _parts(sealed_day)
    day = date.fromisoformat(DAY)
    sealed = store.read(day)
    assert sealed is not None
    doc = {**sealed.doc, "objects": sealed.doc["objects"][1:], "count": sealed.doc["count"] - 1}
    forged = Sealed(doc, digest.fingerprint(doc), sealed.signature, sealed.key_id, sealed.algorithm)
    sealed_day["s3"].put_object(Bucket=sealed_day["bucket"], Key=digest_key(day), Body=forged.body())
    verdict = verify(store, signer, day)
    assert verdict.hash_valid and not verdict.signature_valid and not verdict.ok
    assert len(verdict.findings.extra) == 1  # and the object it dropped shows up as extra


def test_digests_chain_and_a_changed_predecessor_breaks_the_chain(sealed_day: dict[str, Any]) -> None:
    _process_day(NEXT)
    store, signer = _parts(sealed_day)
    second = seal(store, signer, date.fromisoformat(NEXT))
    assert second.written
    verdict = verify(store, signer, date.fromisoformat(NEXT))
    assert verdict.ok and verdict.chain == f"linked to {DAY}"
    first = store.read(date.fromisoformat(DAY))
    assert first is not None
    raw = orjson.loads(first.body())
    raw["digest"]["sealed_at"] = "2026-11-24T00:00:00Z"
    sealed_day["s3"].put_object(
        Bucket=sealed_day["bucket"], Key=digest_key(date.fromisoformat(DAY)), Body=orjson.dumps(raw)
    )
    broken = verify(store, signer, date.fromisoformat(NEXT))
    assert broken.chain == f"broken: the digest of {DAY} changed after this day was sealed" and not broken.ok
    assert not verify(store, signer, date.fromisoformat(DAY)).hash_valid


def test_verify_of_an_unsealed_day_says_how_to_seal_it(locked: dict[str, Any]) -> None:
    store, signer = _parts(locked)
    with pytest.raises(ReportError, match="logreview verify --seal --date 2026-11-19"):
        verify(store, signer, date(2026, 11, 19))


def test_the_schedule_seals_the_day_after_the_lookback(locked: dict[str, Any]) -> None:
    event = {"detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-23T03:30:00Z"}
    assert evidence_handler.sealed_day(event) == date(2026, 11, 20)


def test_object_lock_retains_evidence_writes_only(sealed_day: dict[str, Any]) -> None:
    s3, bucket = sealed_day["s3"], sealed_day["bucket"]
    evidence = [
        _keys(sealed_day, f"archive/dt={DAY}/")[0],
        _keys(sealed_day, "reports/2026/11/20/")[0],
        rows_key(date.fromisoformat(DAY)),
        digest_key(date.fromisoformat(DAY)),
    ]
    for key in evidence:
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ObjectLockMode"] == "GOVERNANCE", key
        assert (head["ObjectLockRetainUntilDate"] - datetime.now(UTC)).days in (29, 30)
    for key in _keys(sealed_day, f"aggregates/dt={DAY}/")[:3]:
        assert "ObjectLockMode" not in s3.head_object(Bucket=bucket, Key=key), key
    version = s3.head_object(Bucket=bucket, Key=evidence[0])["VersionId"]
    with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=bucket, Key=evidence[0], VersionId=version)


def test_legal_hold_is_placed_and_released(
    sealed_day: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    s3, bucket = sealed_day["s3"], sealed_day["bucket"]
    assert cli(["hold", "--date", DAY]) == 0
    keys = _keys(sealed_day, f"archive/dt={DAY}/") + _keys(sealed_day, "reports/2026/11/20/")
    count = len(keys) + 1  # and the digest
    assert f"placed on {count} object version(s)" in capsys.readouterr().out
    assert s3.get_object_legal_hold(Bucket=bucket, Key=keys[0])["LegalHold"]["Status"] == "ON"
    assert set_legal_hold(s3, bucket, date.fromisoformat(DAY), on=False) == count
    assert s3.get_object_legal_hold(Bucket=bucket, Key=keys[-1])["LegalHold"]["Status"] == "OFF"


def test_legal_hold_without_object_lock_is_a_clear_error(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    aws["s3"].put_object(Bucket=aws["bucket"], Key=f"archive/dt={DAY}/hour=00/x/y.gz", Body=b"x")
    assert cli(["hold", "--date", DAY]) == 2
    assert "has no Object Lock" in capsys.readouterr().err


def test_a_version_deleted_with_governance_bypass_is_reported_gone(sealed_day: dict[str, Any]) -> None:
    """GOVERNANCE lets a privileged user delete a locked version (COMPLIANCE does not): verify says so."""
    s3, bucket = sealed_day["s3"], sealed_day["bucket"]
    target = _keys(sealed_day, f"archive/dt={DAY}/")[1]
    version = s3.head_object(Bucket=bucket, Key=target)["VersionId"]
    s3.delete_object(Bucket=bucket, Key=target, VersionId=version, BypassGovernanceRetention=True)
    store, signer = _parts(sealed_day)
    verdict = verify(store, signer, date.fromisoformat(DAY))
    assert [entry.key for entry in verdict.findings.missing] == [target]
    assert verdict.retained == frozenset()
    assert any(line.endswith("(sealed version GONE)") for line in verdict.lines())
