"""Seal a day: hash its evidence objects, chain to the previous digest, sign with KMS, write once.

`evidence/dt=DAY/digest.json` holds the digest document, its sha256 and a KMS signature over that
sha256 (ECDSA_SHA_256 on an asymmetric SIGN_VERIFY key: the private half never leaves KMS). It is
written with `If-None-Match: *`: a sealed day is never sealed again, so the chain that later
digests link to cannot be rewritten by this code (Object Lock keeps it from being deleted).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Final

import orjson
from botocore.exceptions import ClientError

from stream_processor.sinks.aws_errors import absent, code, conflict
from stream_processor.sinks.retention import lock_headers

from ..errors import ReportError
from . import digest
from .objects import Progress, observe

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_s3 import S3Client

ROOT = "evidence/"
ALGORITHM: Final = "ECDSA_SHA_256"


def digest_key(day: date) -> str:
    return f"{ROOT}dt={day.isoformat()}/digest.json"


@dataclass(frozen=True, slots=True)
class Sealed:
    """A digest object as stored: the document, its fingerprint and signature."""

    doc: dict[str, Any]
    sha256: str
    signature: bytes
    key_id: str
    algorithm: str

    def body(self) -> bytes:
        return orjson.dumps(
            {
                "digest": self.doc,
                "sha256": self.sha256,
                "signature": {
                    "algorithm": self.algorithm,
                    "key_id": self.key_id,
                    "value": base64.b64encode(self.signature).decode(),
                },
            },
            option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2,
        )

    @classmethod
    def parse(cls, raw: bytes) -> Sealed:
        found = orjson.loads(raw)
        signature = found["signature"]
        return cls(
            found["digest"],
            str(found["sha256"]),
            base64.b64decode(signature["value"]),
            str(signature["key_id"]),
            str(signature["algorithm"]),
        )


class EvidenceStore:
    """Reads and writes the digests of one bucket."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def read(self, day: date) -> Sealed | None:
        """The sealed digest of `day`, or None when there is none."""
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=digest_key(day))
        except ClientError as exc:
            if absent(exc):
                return None
            raise
        return Sealed.parse(found["Body"].read())

    def has_version(self, key: str, version_id: str) -> bool:
        """Whether that exact version of an object is still stored (not deleted for good)."""
        if version_id == "null":
            return False  # an unversioned bucket keeps no earlier version
        try:
            self.client.head_object(Bucket=self.bucket, Key=key, VersionId=version_id)
        except ClientError as exc:
            if absent(exc) or code(exc) in ("400", "405", "NoSuchVersion"):
                return False
            raise
        return True

    def sealed_days(self) -> list[date]:
        """Every day that has a digest, oldest first."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=ROOT)
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        return sorted(date.fromisoformat(key[len(ROOT) + 3 : len(ROOT) + 13]) for key in keys)

    def previous(self, day: date) -> date | None:
        """The latest sealed day before `day` (the chain skips days that were never sealed)."""
        earlier = [found for found in self.sealed_days() if found < day]
        return earlier[-1] if earlier else None

    def write_once(self, day: date, sealed: Sealed) -> bool:
        """Store the digest unless the day is already sealed; False when it was."""
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=digest_key(day),
                Body=sealed.body(),
                ContentType="application/json",
                ServerSideEncryption="AES256",
                IfNoneMatch="*",
                **lock_headers(),
            )
        except ClientError as exc:
            if conflict(exc):
                return False
            raise
        return True


class KmsSigner:
    """Signs and verifies digest fingerprints with one asymmetric KMS key."""

    def __init__(self, client: KMSClient, key_id: str) -> None:
        self.client = client
        self.key_id = key_id

    def sign(self, sha256_hex: str) -> tuple[bytes, str]:
        """(signature, the key's ARN) over the 32-byte digest."""
        response = self.client.sign(
            KeyId=self.key_id,
            Message=bytes.fromhex(sha256_hex),
            MessageType="DIGEST",
            SigningAlgorithm=ALGORITHM,
        )
        return response["Signature"], response["KeyId"]

    def verify(self, sealed: Sealed) -> bool:
        try:
            response = self.client.verify(
                KeyId=sealed.key_id,
                Message=bytes.fromhex(sealed.sha256),
                MessageType="DIGEST",
                Signature=sealed.signature,
                SigningAlgorithm=sealed.algorithm,  # type: ignore[arg-type]
            )
        except ClientError as exc:
            if code(exc) == "KMSInvalidSignatureException":
                return False
            raise
        return bool(response.get("SignatureValid"))


@dataclass(frozen=True, slots=True)
class SealResult:
    day: date
    key: str
    objects: int
    written: bool  # False: the day was already sealed, nothing changed


def seal(store: EvidenceStore, signer: KmsSigner, day: date, progress: Progress | None = None) -> SealResult:
    """Seal `day` once: hash its objects, link the previous digest, sign, write."""
    existing = store.read(day)
    if existing is not None:
        return SealResult(day, digest_key(day), int(existing.doc["count"]), False)
    before = store.previous(day)
    link = None
    if before is not None:
        previous = store.read(before)
        if previous is not None:
            link = digest.Link(before.isoformat(), digest.fingerprint(previous.doc))
    entries = observe(store.client, store.bucket, day, progress)
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    doc = digest.build(day.isoformat(), entries, link, now)
    fingerprint = digest.fingerprint(doc)
    signature, key_arn = signer.sign(fingerprint)
    sealed = Sealed(doc, fingerprint, signature, key_arn, ALGORITHM)
    written = store.write_once(day, sealed)
    return SealResult(day, digest_key(day), len(entries), written)


def store_and_signer(bucket: str, key_id: str) -> tuple[EvidenceStore, KmsSigner]:
    """The bucket's digest store and the KMS signer (clients honour AWS_ENDPOINT_URL)."""
    import boto3

    from stream_processor.sinks.s3 import s3_client

    if not bucket:
        raise ReportError("no report bucket: set REPORT_BUCKET or pass --bucket")
    if not key_id:
        raise ReportError("no signing key: set EVIDENCE_KEY_ID or pass --key (the stack's EvidenceKey)")
    return EvidenceStore(s3_client(), bucket), KmsSigner(boto3.client("kms"), key_id)
