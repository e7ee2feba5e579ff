"""First seen: the exact record of what a day saw, and what is new against the baseline days (pure).

The index of a day holds, per log group, a 64-bit BLAKE2b digest of every principal, action
and error signature in the day's merged aggregate (digests, never the text: nothing secret is
kept). It is exact while the aggregate's counters were not folded; `complete` says whether they
were. `new_*` lists keys of today absent from every index of the baseline days.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from stream_processor import aggregate

SCHEMA = 1
KINDS: tuple[tuple[aggregate.CounterName, str], ...] = (
    ("principals", "new_principals"),
    ("actions", "new_actions"),
    ("error_signatures", "new_error_signatures"),
)
NEW_LIMIT = 20

Index = dict[str, Any]


def digest(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def _counts(day: aggregate.Window, kind: aggregate.CounterName) -> dict[str, int]:
    if kind == "error_signatures":
        return {key: entry["count"] for key, entry in day[kind].items()}
    return dict(day[kind])


def day_windows(merged: aggregate.Partial) -> dict[str, aggregate.Window]:
    """Each group's hours combined into one window."""
    return {
        group: aggregate.combine(hours[hour] for hour in sorted(hours))
        for group, hours in sorted(merged["windows"].items())
    }


def build_index(date: str, days: Mapping[str, aggregate.Window]) -> Index:
    """The day's index: sorted digests per group and kind."""
    groups = {
        group: {kind: sorted({digest(key) for key in _counts(window, kind)}) for kind, _ in KINDS}
        for group, window in days.items()
    }
    complete = all(window.get("dropped", 0) == 0 for window in days.values())
    return {"schema": SCHEMA, "date": date, "complete": complete, "groups": groups}


def _known(history: Iterable[Index], group: str, kind: str) -> set[str]:
    known: set[str] = set()
    for index in history:
        known.update(index.get("groups", {}).get(group, {}).get(kind, []))
    return known


def first_seen(
    days: Mapping[str, aggregate.Window],
    history: Sequence[Index],
    redact: Callable[[str], str],
    flagged: Callable[[str, str], bool],
) -> dict[str, dict[str, Any]]:
    """Per group: `new_principals`/`new_actions`/`new_error_signatures` (capped) and totals.

    `flagged(group, name)` says whether a name took part in a security event that day: those
    are ranked first. Without history nothing is "new" (every key would be).
    """
    result: dict[str, dict[str, Any]] = {}
    for group, window in days.items():
        section: dict[str, Any] = {}
        for kind, field in KINDS:
            counts = _counts(window, kind)
            known = _known(history, group, kind)
            fresh = [key for key in counts if history and digest(key) not in known]
            ranked = sorted(fresh, key=lambda key: (not flagged(group, key), -counts[key], key))
            section[field] = [
                {"name": redact(key), "count": counts[key], "security": flagged(group, key)}
                for key in ranked[:NEW_LIMIT]
            ]
            section[f"{field}_total"] = len(fresh)
        result[group] = section
    return result


def security_flagger(report_groups: Mapping[str, Mapping[str, Any]]) -> Callable[[str, str], bool]:
    """A name took part in a security event when it appears in one of the group's samples."""
    texts = {
        group: " ".join(
            s["text"] for samples in section.get("security_samples", {}).values() for s in samples
        )
        for group, section in report_groups.items()
    }
    return lambda group, name: bool(name) and name in texts.get(group, "")
