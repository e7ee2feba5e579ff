"""Incidents in the notification path: one message per incident, later detections counted in it (pure).

Open incidents live in the window's alert-state document (`incidents`), the one the invocation
reads and writes anyway; the previous window's document is read (once, and only when a login or
a detection to notify needs it) to find brute forces and incidents that began there within
`Alerts.Incidents.WindowMinutes`. So incidents cost no request of their own beyond that GET.

- A login (evidence `login_success`, or a root login with a source) from a source whose
  `auth_failure` count reached its threshold within one interval, at most the incident window
  before, opens a `brute_force_login` incident: a detection of its own (rule `brute_force_login`,
  key the source), notified once through the usual marks, naming the source, the failures and the
  principal. A second login from the source while it is open is counted in it.
- A detection that would be notified, whose principal or source is linked to an open incident
  (last event within the window) and that is not more severe than it, is counted in the incident
  (`in_incident`) and not sent to the topic; a more severe one is sent (and raises the incident).
- A brute force alone (`auth_failure` over its threshold, no login) is held from the topic
  unless `NotifyBruteForce` is `at_threshold`: the login, if one comes, is what is notified.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..incidents.correlate import principal_key
from .detections import Detection
from .policy import AlertSettings, RulePolicy, at_least, rule_policy

KIND = "brute_force_login"
FAILURE_GROUP = "auth_failure"
POLICY = RulePolicy(
    KIND,
    "high",
    "a login from a source address right after a brute force from it (failed logins over the threshold)",
    None,
    None,
    "Disable the account or its key and end its sessions now; review everything the principal did "
    "after the login (listed in the incident), then block the source.",
    "incident",
)

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Login:
    """A successful login seen in a batch (from its evidence), with the batch it came in."""

    at: int
    event_id: str
    source: str
    principal: str | None
    line: str
    log_group: str
    log_stream: str
    owner: str
    batch_id: str
    archive_key: str


def incident_id(kind: str, key: str, at: int) -> str:
    """Stable: the kind, the correlation key and the time of the event that opened it."""
    return hashlib.sha256(f"{kind}\x1f{key}\x1f{at}".encode()).hexdigest()[:16]


def failures(
    documents: Sequence[Document | None], source: str, at: int, window_ms: int, settings: AlertSettings
) -> int:
    """Failed logins from `source` counted in the documents within `window_ms` before `at`, when one
    threshold interval of them reached the threshold; else 0."""
    policy = rule_policy("ssh_failed_login", settings)
    if policy.threshold is None:
        return 0
    interval = policy.threshold.window_s * 1000
    total, peak = 0, 0
    for document in documents:
        if not document:
            continue
        entry = _failure_entry(document, source)
        if entry is None:
            continue
        start = document["window_start"]
        for offset, count in entry.get("b", {}).items():
            begins = start + int(offset) * 1000
            if at - window_ms - interval < begins <= at:
                total += count
                peak = max(peak, count)
    return total if peak >= policy.threshold.count else 0


def _failure_entry(document: Document, source: str) -> dict[str, Any] | None:
    key = f"source:{source}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    found: dict[str, Any] | None = document["keys"].get(FAILURE_GROUP, {}).get(digest)
    return found


def open_incident(
    documents: Sequence[Document | None], principal: str | None, source: str | None, at: int, window_ms: int
) -> tuple[str, dict[str, Any]] | None:
    """(id, incident) of an open incident linked to the principal or the source at `at`, the newest
    document first."""
    who = principal_key(principal)
    for document in documents:
        for iid, incident in sorted((document or {}).get("incidents", {}).items()):
            if not incident["t"][0] <= at <= incident["t"][1] + window_ms:
                continue
            if (who and who in incident["principals"]) or (source and source == incident["source"]):
                return iid, incident
    return None


def login_detection(login: Login, failed: int, window_start: int, window_s: int, minutes: int) -> Detection:
    """The detection a brute force followed by a login is notified as (key: the source)."""
    return Detection(
        policy=POLICY,
        key=f"source:{login.source}",
        window_start=window_start,
        window_s=window_s,
        log_group=login.log_group,
        log_stream=login.log_stream,
        owner=login.owner,
        principal=login.principal,
        action="login",
        source=login.source,
        count=1,
        first_ts=login.at,
        last_ts=login.at,
        sample=login.line,
        batch_id=_digest(f"{KIND}:{login.event_id}")[:32],  # its own id, distinct in its first 16 digits
        archive_key=login.archive_key,
        first_event_id=login.event_id,
        context={
            "failed_logins": failed,
            "principal": login.principal,
            "source": login.source,
            "window_minutes": minutes,
        },
    )


def held(detection: Detection, settings: AlertSettings) -> bool:
    """A brute force alone, kept from the topic until a login from its source comes."""
    return detection.rule == FAILURE_GROUP and not settings.brute_force_alone


def to_topic(detection: Detection, settings: AlertSettings) -> bool:
    """THE decision whether a detection the fold made ours goes to the alert topic (the one seam
    where exceptions are to be applied): not when it was counted in an open incident, not a brute
    force alone (unless configured), else when its severity reaches the floor."""
    if detection.context.get("incident") and detection.rule != KIND:
        return False
    if held(detection, settings):
        return False
    return at_least(detection.severity, settings.floor)


def _snapshot(incident: Mapping[str, Any], iid: str) -> dict[str, Any]:
    return {"id": iid, "kind": incident["kind"], "source": incident["source"], "events": incident["n"],
            "principals": list(incident["principals"]), "severity": incident["severity"]}  # fmt: skip


@dataclass(slots=True)
class _Open:
    """The incidents of the window being folded, and the previous window's (read lazily)."""

    mine: dict[str, dict[str, Any]]
    previous: Any  # () -> the previous window's document or None
    window_ms: int
    changed: bool = False

    def find(self, principal: str | None, source: str | None, at: int) -> tuple[str, dict[str, Any]] | None:
        found = open_incident([{"incidents": self.mine}], principal, source, at, self.window_ms)
        if found is None:
            before = self.previous()
            found = open_incident([before], principal, source, at, self.window_ms) if before else None
            if found is not None:  # continued in this window's document
                self.mine[found[0]] = {**found[1], "principals": list(found[1]["principals"])}
                found = (found[0], self.mine[found[0]])
        return found

    def count(self, iid: str, events: int, at: int, principal: str | None, rule: str, severity: str) -> None:
        incident = self.mine[iid]
        incident["n"] += events
        incident["t"] = [min(incident["t"][0], at), max(incident["t"][1], at)]
        who = principal_key(principal)
        if who and who not in incident["principals"]:
            incident["principals"] = sorted([*incident["principals"], who])
        incident["rules"] = sorted({*incident["rules"], rule})
        if not at_least(incident["severity"], severity):
            incident["severity"] = severity
        self.changed = True


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def fold_incidents(
    document: Document | None,
    detections: Sequence[Detection],
    logins: Sequence[Login],
    previous: Any,
    now_ms: int,
    token: str,
    until_ms: int | None,
    settings: AlertSettings,
    window: tuple[int, int],
) -> Any:
    """`state.fold` of the detections, then the incidents: logins after a brute force open one (a
    detection of its own, folded too), detections linked to an open one are counted in it.

    `previous` returns the previous window's document (the caller reads it once, when first
    asked); `window` is (start ms, seconds) of this document. Returns a `state.Folded` whose
    `detections` is what its `ours` indexes. Logins are counted once (their event ids, hashed, are
    kept in `incident_logins`), detections once (the batch ids of `state.fold`)."""
    from .state import Folded, fold, new_document

    first = fold(document, detections, now_ms, token, until_ms) if detections else Folded(None, [], [])
    base = first.document if first.document is not None else document
    opened = _Open({k: dict(v) for k, v in (base or {}).get("incidents", {}).items()}, previous,
                   settings.incident_window_s * 1000)  # fmt: skip
    counted = set((base or {}).get("incident_logins", ()))
    extra = _logins(base, logins, opened, counted, settings, window)
    final = list(detections)
    outcomes = list(first.outcomes)
    for index in first.ours:
        detection = detections[index]
        found = opened.find(detection.principal, detection.source, detection.first_ts)
        if found is not None:
            absorbed = at_least(found[1]["severity"], detection.severity)  # a more severe one is sent
            snapshot = _snapshot(found[1], found[0])
            opened.count(found[0], detection.count, detection.first_ts, detection.principal, detection.rule,
                         detection.severity)  # fmt: skip
            if absorbed:
                final[index] = _with(detection, {"incident": snapshot})
                outcomes[index] = "in_incident"
                continue
        if held(detection, settings):
            outcomes[index] = "held"
    doc = base if base is not None else new_document(*window)
    if opened.changed:
        doc = {**doc, "incidents": opened.mine, "incident_logins": sorted(counted)}
    second = fold(doc, extra, now_ms, token, until_ms) if extra else Folded(None, [], [])
    written = second.document or (doc if (first.document is not None or opened.changed) else None)
    ours = [*first.ours, *(len(final) + i for i in second.ours)]
    return Folded(written, outcomes + second.outcomes, ours, final + extra)


def _logins(
    base: Document | None,
    logins: Sequence[Login],
    opened: _Open,
    counted: set[str],
    settings: AlertSettings,
    window: tuple[int, int],
) -> list[Detection]:
    """Count each new login after a brute force in its open incident, or open one (its detection)."""
    extra: list[Detection] = []
    for login in sorted(logins, key=lambda found: (found.at, found.event_id)):
        seen = _digest(login.event_id)[:16]
        if seen in counted:
            continue  # a redelivered login: counted already
        failed = failures([base, opened.previous()], login.source, login.at, opened.window_ms, settings)
        if not failed:
            continue
        counted.add(seen)
        found = opened.find(login.principal, login.source, login.at)
        if found is not None:
            opened.count(found[0], 1, login.at, login.principal, KIND, "high")
            continue
        iid = incident_id(KIND, f"source:{login.source}", login.at)
        who = principal_key(login.principal)
        opened.mine[iid] = {"kind": KIND, "source": login.source, "principals": [who] if who else [],
                            "severity": "high", "n": failed + 1, "failed": failed, "t": [login.at, login.at],
                            "rules": [FAILURE_GROUP, KIND]}  # fmt: skip
        opened.changed = True
        made = login_detection(login, failed, *window, opened.window_ms // 60_000)
        extra.append(_with(made, {**made.context, "incident": _snapshot(opened.mine[iid], iid)}))
    return extra


def _with(detection: Detection, context: Mapping[str, Any]) -> Detection:
    return replace(detection, context=dict(context))
