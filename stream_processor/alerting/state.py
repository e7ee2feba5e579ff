"""The dedup state of one (rule, key, window): what has been counted and whether it was notified.

Pure: `admit` folds one batch's Detection into the state document and says whether this caller
now owns the notification; the sink stores the document in S3 with conditional writes
(`If-None-Match: *` to create, `If-Match: etag` to update), so concurrent writers serialise and
exactly one of them wins the notification. A batch id already counted is a redelivery: it changes
nothing. The owner marks the notification `pending` (with the time and a token of its own call),
publishes, then `confirm`s it `sent`; if publishing fails it `release`s it so the retry can
publish. The token tells a write of our own whose answer was lost (the retried conditional PUT
then gets 412) from someone else's. A `pending` mark carries `until`, the time by which its writer
is certainly dead (its Lambda invocation's deadline plus a margin for clock skew); after that it may
be taken over. A writer that does not know its deadline holds the mark for LEASE_MS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .detections import Detection, as_dict

VERSION = 1
MAX_BATCH_IDS = 2000  # batch ids kept per state; past it, batches are counted without dedup
LEASE_MS = 90_000  # a mark's hold when its writer's deadline is unknown (Direct timeout 60 s + margin)


@dataclass(frozen=True, slots=True)
class Admission:
    """The state to write (None: nothing changed) and what happened."""

    state: dict[str, Any] | None
    outcome: str  # notify | counted | repeat | redelivery | in_progress

    @property
    def notify(self) -> bool:
        return self.outcome == "notify"


def new_state(detection: Detection) -> dict[str, Any]:
    threshold = detection.policy.threshold
    return {
        "v": VERSION,
        "rule": detection.rule,
        "key": detection.key,
        "key_hash": detection.key_hash,
        "window_start": detection.window_start,
        "window_s": detection.window_s,
        "threshold": None
        if threshold is None
        else {"count": threshold.count, "window_s": threshold.window_s},
        "count": 0,
        "first_ts": detection.first_ts,
        "last_ts": detection.last_ts,
        "buckets": {},
        "batches": {},
        "uncounted_ids": 0,
        "example": None,
        "notified": None,
    }


def _over(state: dict[str, Any], detection: Detection) -> bool:
    threshold = detection.policy.threshold
    if threshold is None:
        return bool(state["count"] > 0)
    return max(state["buckets"].values(), default=0) >= threshold.count


def _add(state: dict[str, Any], detection: Detection) -> None:
    state["count"] += detection.count
    state["first_ts"] = min(state["first_ts"], detection.first_ts)
    state["last_ts"] = max(state["last_ts"], detection.last_ts)
    for bucket, count in detection.buckets.items():
        state["buckets"][bucket] = state["buckets"].get(bucket, 0) + count
    if len(state["batches"]) < MAX_BATCH_IDS:
        state["batches"][detection.batch_id] = detection.count
    else:
        state["uncounted_ids"] += 1
    example = state["example"]
    if example is None or [detection.first_ts, detection.first_event_id] < [
        example["ts"],
        example["event_id"],
    ]:
        state["example"] = {
            **as_dict(detection),
            "ts": detection.first_ts,
            "event_id": detection.first_event_id,
        }


def admit(
    state: dict[str, Any] | None,
    detection: Detection,
    now_ms: int,
    token: str,
    until_ms: int | None = None,
) -> Admission:
    """Fold `detection` into `state` (a copy is returned; the argument is not changed).

    `token` is unique to the caller's attempt; a pending mark carrying it is the caller's own.
    `until_ms`: when the caller is certainly dead (default: `now_ms + LEASE_MS`), stored in a mark
    it takes, so nobody takes the mark over while the caller may still publish.
    """
    until = now_ms + LEASE_MS if until_ms is None else until_ms
    if state is not None and _ours(state, token):
        return Admission(None, "notify")
    fresh = new_state(detection) if state is None else _copy(state)
    seen = detection.batch_id in fresh["batches"]
    if not seen:
        _add(fresh, detection)
    notified = fresh["notified"]
    if notified is None:
        if _over(fresh, detection):
            fresh["notified"] = _mark(detection, fresh, now_ms, until, token)
            return Admission(fresh, "notify")
        return Admission(None if seen else fresh, "redelivery" if seen else "counted")
    if notified["state"] == "pending" and now_ms > notified.get("until", notified["at"] + LEASE_MS):
        fresh["notified"] = _mark(detection, fresh, now_ms, until, token)  # its writer is gone: take over
        return Admission(fresh, "notify")
    if seen:
        return Admission(None, "in_progress" if notified["state"] == "pending" else "redelivery")
    return Admission(fresh, "repeat")


def _mark(
    detection: Detection, state: dict[str, Any], now_ms: int, until_ms: int, token: str
) -> dict[str, Any]:
    return {
        "state": "pending",
        "by": detection.batch_id,
        "at": now_ms,
        "until": until_ms,
        "count": state["count"],
        "token": token,
    }


def _ours(state: dict[str, Any], token: str) -> bool:
    notified = state.get("notified") or {}
    return bool(notified.get("state") == "pending" and notified.get("token") == token)


def confirm(state: dict[str, Any], token: str, message_id: str | None) -> dict[str, Any] | None:
    """`state` with our pending notification marked sent (None if it is not ours any more)."""
    if not _ours(state, token):
        return None
    return {**state, "notified": {**state["notified"], "state": "sent", "message_id": message_id}}


def release(state: dict[str, Any], token: str) -> dict[str, Any] | None:
    """`state` without our pending notification, so a retry may publish (None if not ours)."""
    if not _ours(state, token):
        return None
    return {**state, "notified": None}


def repeats(state: dict[str, Any] | None) -> int:
    """Events counted in the window after its notification went out (suppressed repeats)."""
    if not state or not state.get("notified"):
        return 0
    return int(state["count"] - state["notified"]["count"])


def _copy(state: dict[str, Any]) -> dict[str, Any]:
    return {**state, "buckets": dict(state["buckets"]), "batches": dict(state["batches"])}
