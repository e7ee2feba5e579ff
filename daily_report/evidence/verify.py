"""Verify a sealed day: the digest's own hash, its KMS signature, its link to the previous digest,
and every evidence object against what the bucket holds now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..errors import ReportError
from . import digest
from .objects import Progress, observe
from .seal import EvidenceStore, KmsSigner, Sealed, digest_key


@dataclass(frozen=True, slots=True)
class Verdict:
    """What `logreview verify` found for one day."""

    day: date
    sealed: Sealed
    hash_valid: bool  # the stored document still hashes to the signed fingerprint
    signature_valid: bool
    chain: str  # "linked", "starts" (first digest) or "broken: why"
    findings: digest.Findings
    retained: frozenset[str]  # keys changed or missing whose sealed version is still in the bucket

    @property
    def ok(self) -> bool:
        return (
            self.hash_valid
            and self.signature_valid
            and not self.chain.startswith("broken")
            and (self.findings.intact)
        )

    def lines(self) -> list[str]:
        doc = self.sealed.doc
        found = self.findings
        out = [
            f"{self.day}: sealed {doc['sealed_at']}, {doc['count']:,} objects, {doc['bytes']:,} bytes",
            f"  digest hash   {'ok' if self.hash_valid else 'CHANGED (the digest document was edited)'}",
            f"  signature     {'valid' if self.signature_valid else 'INVALID'} ({self.sealed.key_id})",
            f"  chain         {self.chain}",
            f"  objects       {len(found.changed)} changed, {len(found.missing)} missing, "
            f"{len(found.extra)} extra",
        ]
        out += [
            f"  CHANGED  {old.key}  sealed {old.version_id} {old.sha256[:12]}  now {new.version_id} "
            f"{new.sha256[:12]}{self._kept(old.key)}"
            for old, new in found.changed
        ]
        out += [
            f"  MISSING  {entry.key}  sealed {entry.version_id} {entry.sha256[:12]}{self._kept(entry.key)}"
            for entry in found.missing
        ]
        out += [f"  EXTRA    {entry.key}  {entry.version_id} {entry.sha256[:12]}" for entry in found.extra]
        out.append(f"{self.day}: {'VERIFIED' if self.ok else 'NOT VERIFIED'}")
        return out

    def _kept(self, key: str) -> str:
        return "  (sealed version retained)" if key in self.retained else "  (sealed version GONE)"


def retained(store: EvidenceStore, findings: digest.Findings) -> frozenset[str]:
    """Keys among the changed and missing whose sealed version can still be read back."""
    sealed = [old for old, _ in findings.changed] + findings.missing
    return frozenset(entry.key for entry in sealed if store.has_version(entry.key, entry.version_id))


def chain_status(store: EvidenceStore, sealed: Sealed) -> str:
    """Whether the digest it links to is still there and unchanged."""
    link = sealed.doc.get("previous")
    if link is None:
        return "starts (no earlier digest when it was sealed)"
    before = store.read(date.fromisoformat(link["date"]))
    if before is None:
        return f"broken: the digest of {link['date']} it follows is missing"
    if digest.fingerprint(before.doc) != link["sha256"]:
        return f"broken: the digest of {link['date']} changed after this day was sealed"
    return f"linked to {link['date']}"


def verify(store: EvidenceStore, signer: KmsSigner, day: date, progress: Progress | None = None) -> Verdict:
    sealed = store.read(day)
    if sealed is None:
        raise ReportError(
            f"{day} is not sealed (no s3://{store.bucket}/{digest_key(day)}): "
            f"seal it with 'logreview verify --seal --date {day}'"
        )
    hash_valid = digest.fingerprint(sealed.doc) == sealed.sha256
    signature_valid = signer.verify(sealed)
    observed = observe(store.client, store.bucket, day, progress)
    findings = digest.compare(digest.entries(sealed.doc), observed)
    chain = chain_status(store, sealed)
    return Verdict(day, sealed, hash_valid, signature_valid, chain, findings, retained(store, findings))
