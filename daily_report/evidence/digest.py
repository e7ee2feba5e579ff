"""The day's evidence digest and the comparison that verifies it (pure: no I/O).

A digest lists every archive and report object of one UTC day as (key, version id, sha256,
size), names the digest it follows (its date and the sha256 of its canonical bytes) and is
signed by the caller. `compare` sets a sealed digest against what the bucket holds now and
says which objects changed, went missing or appeared since the seal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

SCHEMA = 1


@dataclass(frozen=True, slots=True, order=True)
class Entry:
    """One object version as sealed or as observed."""

    key: str
    version_id: str
    sha256: str  # hex
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "version_id": self.version_id, "sha256": self.sha256, "size": self.size}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Entry:
        return cls(str(raw["key"]), str(raw["version_id"]), str(raw["sha256"]), int(raw["size"]))


@dataclass(frozen=True, slots=True)
class Link:
    """The digest a new one follows: its date and the sha256 of its canonical bytes."""

    date: str
    sha256: str


def build(day: str, entries: Iterable[Entry], previous: Link | None, sealed_at: str) -> dict[str, Any]:
    """The digest document of `day` (entries sorted by key, so equal inputs give equal bytes)."""
    ordered = sorted(entries)
    keys = [entry.key for entry in ordered]
    if len(set(keys)) != len(keys):
        raise ValueError(f"digest of {day}: an object is listed twice")
    return {
        "schema": SCHEMA,
        "date": day,
        "sealed_at": sealed_at,
        "previous": None if previous is None else {"date": previous.date, "sha256": previous.sha256},
        "objects": [entry.as_dict() for entry in ordered],
        "count": len(ordered),
        "bytes": sum(entry.size for entry in ordered),
    }


def canonical(doc: dict[str, Any]) -> bytes:
    """The bytes that are hashed and signed: sorted keys, no whitespace."""
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


def fingerprint(doc: dict[str, Any]) -> str:
    """Hex sha256 of the canonical bytes: what the next digest links to and what is signed."""
    return hashlib.sha256(canonical(doc)).hexdigest()


def entries(doc: dict[str, Any]) -> list[Entry]:
    return [Entry.from_dict(raw) for raw in doc["objects"]]


@dataclass(slots=True)
class Findings:
    """What differs between a sealed digest and the bucket now (empty lists: intact)."""

    changed: list[tuple[Entry, Entry]] = field(default_factory=list)  # (sealed, now)
    missing: list[Entry] = field(default_factory=list)
    extra: list[Entry] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not (self.changed or self.missing or self.extra)


def compare(sealed: Iterable[Entry], observed: Iterable[Entry]) -> Findings:
    """Changed (same key, other version or content), missing (sealed, gone) and extra objects."""
    then = {entry.key: entry for entry in sealed}
    now = {entry.key: entry for entry in observed}
    findings = Findings()
    for key in sorted(then.keys() | now.keys()):
        before, after = then.get(key), now.get(key)
        if after is None and before is not None:
            findings.missing.append(before)
        elif before is None and after is not None:
            findings.extra.append(after)
        elif before is not None and after is not None and before != after:
            findings.changed.append((before, after))
    return findings
