"""The alert state of one window: every (rule, key) counted in it, in one document (pure).

One document per aligned alert window (`Alerts.WindowSeconds`) holds every rule's keys seen in
that window: the count, the first and last time and, for a thresholded group, the count per
threshold interval; plus the ids of the batches already folded in. The sink stores it in S3 with
conditional writes, so an invocation costs one state write whatever the number of keys it saw
(docs/alerts.md says why one document and not one object per key).

`fold` adds an invocation's detections of the window:
- a batch id already in the document is a redelivery: its detections change no count;
- a key whose count reaches its threshold (a rule without one: its first event) gets a `pending`
  notification mark with the caller's token and `until`, the time by which the caller is certainly
  dead; exactly one caller wins it, since concurrent writers serialise on the document;
- the caller publishes, then `settle`s the mark: `sent` (with the message id), or removed so that
  Lambda's retry publishes;
- a `pending` mark past its `until` may be taken over by the next detection of its key; one with
  the caller's own token is the caller's (its write went through but the answer was lost).
Entries hold counts only; a notified entry also keeps its key and the example it was notified with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .detections import Detection, as_dict
from .policy import RulePolicy

VERSION = 2
ID_CHARS = 16  # hex digits of a batch id / key hash kept in the document (64 bits: no collision in practice)
MAX_BATCH_IDS = 100_000  # per document; past it, batches are counted without dedup (`uncounted`)
MAX_KEYS = 200_000  # (rule, key) entries per document; past it, new keys are not tracked (`untracked`)
LEASE_MS = 90_000  # a mark's hold when its writer's deadline is unknown (Direct timeout 60 s + margin)

Entry = dict[str, Any]
EntryRef = tuple[str, str]  # (rule, entry id)


@dataclass(frozen=True, slots=True)
class Folded:
    """The document to write (None: nothing changed) and what happened to each detection."""

    document: dict[str, Any] | None
    outcomes: list[
        str
    ]  # notify | counted | repeat | redelivery | in_progress | untracked (| in_incident, held)
    ours: list[int]  # the detections whose notification this caller owns (one per entry)
    detections: list[Detection] | None = None  # when set: what `ours` indexes (incidents add their own)


def entry_id(detection: Detection) -> str:
    """The key's place in the document: a prefix of its hash (keys may hold any text)."""
    return detection.key_hash[:ID_CHARS]


def new_document(window_start: int, window_s: int) -> dict[str, Any]:
    return {
        "v": VERSION,
        "window_start": window_start,
        "window_s": window_s,
        "batches": [],
        "uncounted": 0,
        "untracked": 0,
        "keys": {},
    }


def fold(
    document: dict[str, Any] | None,
    detections: Sequence[Detection],
    now_ms: int,
    token: str,
    until_ms: int | None = None,
) -> Folded:
    """Fold one invocation's detections (all of one window) into `document` (not changed: a new
    one is returned). `token` is unique to the caller's attempt; `until_ms` (default `now_ms +
    LEASE_MS`) is stored in the marks it takes, so nobody takes them over while it may publish."""
    first = detections[0]
    doc = new_document(first.window_start, first.window_s) if document is None else document
    until = now_ms + LEASE_MS if until_ms is None else until_ms
    known = set(doc["batches"])
    keys: dict[str, dict[str, Entry]] = dict(doc["keys"])
    copied: set[str] = set()
    added: dict[str, None] = {}  # new batch ids, in order (a dict: an ordered set)
    claimed: set[EntryRef] = set()
    outcomes: list[str] = []
    ours: list[int] = []
    counters = {"uncounted": doc["uncounted"], "untracked": doc["untracked"]}
    entries = sum(len(rule) for rule in keys.values())
    changed = False
    for index, detection in enumerate(detections):
        batch = detection.batch_id[:ID_CHARS]
        seen = batch in known
        if not seen:
            added[batch] = None
        if detection.rule not in copied:
            keys[detection.rule] = dict(keys.get(detection.rule, {}))
            copied.add(detection.rule)
        rule_keys = keys[detection.rule]
        eid = entry_id(detection)
        entry = rule_keys.get(eid)
        if entry is None and not seen:
            if entries >= MAX_KEYS:
                counters["untracked"] += 1
                outcomes.append("untracked")
                changed = True
                continue
            entries += 1
        ref = (detection.rule, eid)
        updated, outcome = _admit(
            entry, detection, doc["window_start"], seen, now_ms, token, until, ref in claimed
        )
        if updated is not None and updated is not entry:
            rule_keys[eid] = updated
            changed = True
        if outcome == "notify":
            claimed.add(ref)
            ours.append(index)
        outcomes.append(outcome)
    if added:
        changed = True
        room = max(0, MAX_BATCH_IDS - len(known))
        counters["uncounted"] += max(0, len(added) - room)
        known.update(list(added)[:room])
    if not changed:
        return Folded(None, outcomes, ours)
    written = {**doc, **counters, "keys": keys, "batches": sorted(known)}
    return Folded(written, outcomes, ours)


def _admit(
    entry: Entry | None,
    detection: Detection,
    window_start: int,
    seen: bool,
    now_ms: int,
    token: str,
    until_ms: int,
    claimed: bool,
) -> tuple[Entry | None, str]:
    """One detection against its entry: (the entry to keep, the outcome)."""
    fresh = entry if seen else _add(entry, detection, window_start)
    if fresh is None:  # a redelivered batch whose key was never tracked
        return None, "redelivery"
    mark = fresh.get("notified")
    if mark is None:
        if _over(fresh, detection.policy):
            return {**fresh, **_mark(detection, fresh, now_ms, until_ms, token)}, "notify"
        return fresh, "redelivery" if seen else "counted"
    if mark["state"] == "pending":
        if mark.get("token") == token:  # ours: taken earlier in this fold, or a write whose answer was lost
            return fresh, "notify" if not claimed else ("redelivery" if seen else "repeat")
        if now_ms > mark.get("until", mark["at"] + LEASE_MS):  # its writer is gone: take over
            return {**fresh, **_mark(detection, fresh, now_ms, until_ms, token)}, "notify"
        if seen:
            return fresh, "in_progress"
    return fresh, "redelivery" if seen else "repeat"


def _add(entry: Entry | None, detection: Detection, window_start: int) -> Entry:
    first, last = detection.first_ts - window_start, detection.last_ts - window_start
    if entry is None:
        fresh: Entry = {"n": detection.count, "t": [first, last]}
    else:
        fresh = {**entry, "n": entry["n"] + detection.count}
        fresh["t"] = [min(entry["t"][0], first), max(entry["t"][1], last)]
    if detection.buckets:
        buckets = dict(fresh.get("b", {}))
        for start, count in detection.buckets.items():
            offset = str((int(start) - window_start) // 1000)
            buckets[offset] = buckets.get(offset, 0) + count
        fresh["b"] = buckets
    return fresh


def _over(entry: Entry, policy: RulePolicy) -> bool:
    if policy.threshold is None:
        return bool(entry["n"] > 0)
    return max(entry.get("b", {}).values(), default=0) >= policy.threshold.count


def _mark(detection: Detection, entry: Entry, now_ms: int, until_ms: int, token: str) -> Entry:
    mark = {
        "state": "pending",
        "by": detection.batch_id,
        "at": now_ms,
        "until": until_ms,
        "count": entry["n"],
    }
    example = {**as_dict(detection), "ts": detection.first_ts, "event_id": detection.first_event_id}
    return {"key": detection.key, "example": example, "notified": {**mark, "token": token}}


def _ours(entry: Entry | None, token: str) -> bool:
    mark = (entry or {}).get("notified") or {}
    return bool(mark.get("state") == "pending" and mark.get("token") == token)


def settle(
    document: dict[str, Any],
    token: str,
    sent: Mapping[EntryRef, str | None],
    released: Iterable[EntryRef] = (),
) -> dict[str, Any] | None:
    """`document` with our pending marks `sent` (with their message ids) or removed (`released`,
    so a retry may publish); None when none of them is ours any more."""
    changes: dict[EntryRef, Entry] = {}
    for ref, message_id in sent.items():
        entry = _entry(document, ref)
        if entry is not None and _ours(entry, token):
            changes[ref] = {
                **entry,
                "notified": {**entry["notified"], "state": "sent", "message_id": message_id},
            }
    for ref in released:
        entry = _entry(document, ref)
        if entry is not None and _ours(entry, token):
            changes[ref] = {**entry, "notified": None}
    if not changes:
        return None
    keys = dict(document["keys"])
    for (rule, eid), entry in changes.items():
        keys[rule] = {**keys[rule], eid: entry}
    return {**document, "keys": keys}


def _entry(document: dict[str, Any] | None, ref: EntryRef) -> Entry | None:
    if document is None:
        return None
    found: Entry | None = document["keys"].get(ref[0], {}).get(ref[1])
    return found


def view(document: dict[str, Any] | None, detection: Detection) -> dict[str, Any] | None:
    """The window so far for `detection`'s rule and key, as the message renders it (count, first
    and last time, threshold, example, the notification mark); None when the key is not there."""
    entry = _entry(document, (detection.rule, entry_id(detection)))
    if document is None or entry is None:
        return None
    start = document["window_start"]
    threshold = detection.policy.threshold
    return {
        "rule": detection.rule,
        "key": entry.get("key", detection.key),
        "key_hash": detection.key_hash,
        "window_start": start,
        "window_s": document["window_s"],
        "count": entry["n"],
        "first_ts": start + entry["t"][0],
        "last_ts": start + entry["t"][1],
        "threshold": None
        if threshold is None
        else {"count": threshold.count, "window_s": threshold.window_s},
        "example": entry.get("example"),
        "notified": entry.get("notified"),
    }


def repeats(state: dict[str, Any] | None) -> int:
    """Events counted in the window after its notification went out (suppressed repeats)."""
    if not state or not state.get("notified"):
        return 0
    return int(state["count"] - state["notified"]["count"])
