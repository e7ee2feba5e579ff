"""A day's evidence → incidents: correlated events with a timeline (pure).

In this order, each event joining at most one incident:

1. `brute_force_login`: a login from a source that failed at least `brute_force` times within one
   aligned interval (alerting's `auth_failure` threshold, 20 within 300 s by default) ending at
   most `window_s` before the login; then, by the principal that logged in, every privilege,
   IAM, account change or root use within `window_s` after a login of it from that source.
   High (critical when the principal is root).
2. `logging_disabled`: CloudTrail or Config stopped, auditd or the syslog daemon stopped. Critical.
3. `root_use`: the root user, a root login, su to root, a break-glass rule; one incident per
   principal (or host) while its events follow each other within `window_s`.
4. `login_then_privilege`: a login, then privilege, IAM or account changes by the same principal
   within `window_s`. The most severe rule it hit (medium at least).

The id is a hash of the kind, the correlation key and the first event's id: the same evidence
gives the same incidents, whatever the order the partials were merged in.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..detect import DEFAULT_DETECTOR, Detector, severity_rank
from .classify import LOGINS, Item

TIMELINE = 50
CHANGES = ("privilege", "iam_change", "account_change", "root", "logging_disabled")
SEVERITY_ORDER = ("critical", "high", "medium", "low")


@dataclass(frozen=True, slots=True)
class Settings:
    """What correlation needs from the configuration."""

    window_s: int = 3600
    brute_force: int = 20  # failures within one interval (alerting's auth_failure threshold)
    interval_s: int = 300
    detector: Detector = DEFAULT_DETECTOR


@dataclass(frozen=True, slots=True)
class Found:
    """One kept evidence event with where it was kept."""

    kind: str
    group: str
    item: Item

    @property
    def order(self) -> tuple[int, str]:
        return self.item["t"], self.item["id"]


@dataclass(slots=True)
class _Incident:
    kind: str
    key: str
    severity: str
    events: list[Found] = field(default_factory=list)
    failed: int = 0  # failed logins counted from the per-minute counts (exact)


def principal_key(who: str | None) -> str | None:
    """A principal as it is compared: an ARN by its last path part (`…:user/deploy` is `deploy`)."""
    if not who:
        return None
    return who.rsplit("/", 1)[-1] if who.startswith("arn:") else who


def flatten(windows: Mapping[str, Mapping[str, Any]]) -> tuple[list[Found], dict[str, dict[int, int]]]:
    """(every kept event of every window, failed logins per source per minute) of a day's windows
    (`{log_group: {hour: window}}`)."""
    found: list[Found] = []
    failures: dict[str, dict[int, int]] = {}
    for group, hours in windows.items():
        for window in hours.values():
            for kind, entries in (window.get("evidence") or {}).items():
                for key, entry in entries["keys"].items():
                    found.extend(Found(kind, group, item) for item in entry["items"])
                    if kind == "failed_login":
                        minutes = failures.setdefault(key, {})
                        for minute, count in entry.get("m", {}).items():
                            minutes[int(minute)] = minutes.get(int(minute), 0) + count
    found.sort(key=lambda f: (f.order, f.kind, f.group))
    return found, failures


def _brute_force(minutes: Mapping[int, int], at: int, settings: Settings) -> int:
    """Failed logins in the minutes up to `at` within `window_s`, when the failures of one aligned
    interval among them reach the threshold; else 0."""
    interval = settings.interval_s * 1000
    since = at - settings.window_s * 1000 - 60_000
    per_interval: dict[int, int] = {}
    for minute, count in minutes.items():
        if since < minute <= at:
            per_interval[minute // interval] = per_interval.get(minute // interval, 0) + count
    return sum(per_interval.values()) if max(per_interval.values(), default=0) >= settings.brute_force else 0


def _rule_severity(found: Found, detector: Detector) -> str:
    best = "critical" if found.kind == "logging_disabled" else "medium"
    for rule in found.item.get("rules", ()):
        try:
            severity: str = detector.rule(rule).severity
        except KeyError:
            continue
        best = max(best, severity, key=_rank)
    return best


@dataclass(slots=True)
class _Pool:
    """The changes (privilege, IAM, account, root, logging) not yet in an incident."""

    changes: list[Found]
    used: set[int] = field(default_factory=set)

    def follow(self, incident: _Incident, who: str, start: int, window_ms: int) -> None:
        """Add the changes by `who` from `start` to `start + window_ms` to the incident."""
        for position, change in enumerate(self.changes):
            at = change.item["t"]
            linked = start <= at <= start + window_ms and principal_key(change.item.get("who")) == who
            if linked and position not in self.used:
                self.used.add(position)
                incident.events.append(change)


Failures = Mapping[str, Mapping[int, int]]  # source -> minute start (ms) -> failed logins


def _brute_force_logins(
    found: list[Found], failures: Failures, logins: list[Found], pool: _Pool, settings: Settings
) -> tuple[list[_Incident], set[tuple[int, str]]]:
    """Logins after a brute force from their source, with what their principal did next."""
    window_ms = settings.window_s * 1000
    made: list[_Incident] = []
    taken: set[tuple[int, str]] = set()
    open_by_source: dict[str, tuple[_Incident, int]] = {}
    for login in logins:
        source, at = login.item.get("src"), login.item["t"]
        failed = _brute_force(failures.get(source, {}), at, settings) if source else 0
        if not source or not failed:
            continue
        current = open_by_source.get(source)
        if current is None or at - current[1] > window_ms:
            incident = _Incident("brute_force_login", f"source:{source}", "high", failed=failed)
            incident.events.extend(_failure_items(found, source, at, window_ms))
            made.append(incident)
        else:
            incident = current[0]
        open_by_source[source] = (incident, at)
        incident.events.append(login)
        taken.add(login.order)
        who = principal_key(login.item.get("who"))
        if who == "root":
            incident.severity = "critical"
        if who:
            pool.follow(incident, who, at, window_ms)
    for incident in made:
        if any(e.kind == "logging_disabled" for e in incident.events):
            incident.severity = "critical"
    return made, taken


def _own(kind: str, wanted: str, pool: _Pool, settings: Settings) -> list[_Incident]:
    """Incidents of one kind of change by itself: per principal (or host), while its events follow
    each other within `window_s`."""
    window_ms = settings.window_s * 1000
    made: list[_Incident] = []
    by_key: dict[str, _Incident] = {}
    for position, event in enumerate(pool.changes):
        if event.kind != wanted or position in pool.used:
            continue
        key = principal_key(event.item.get("who")) or event.item.get("host") or event.item["stream"]
        incident = by_key.get(key)
        if incident is None or event.item["t"] - incident.events[-1].item["t"] > window_ms:
            incident = by_key[key] = _Incident(
                kind, f"principal:{key}", _rule_severity(event, settings.detector)
            )
            made.append(incident)
        incident.events.append(event)
        incident.severity = max(incident.severity, _rule_severity(event, settings.detector), key=_rank)
        pool.used.add(position)
    return made


def incidents(
    windows: Mapping[str, Mapping[str, Any]], settings: Settings = Settings()
) -> list[dict[str, Any]]:
    """The day's incidents (`{log_group: {hour: window}}` in), ranked by severity, then first
    time, then id."""
    found, failures = flatten(windows)
    logins = [f for f in found if f.kind in LOGINS or (f.kind == "root" and f.item.get("src"))]
    pool = _Pool([f for f in found if f.kind in CHANGES])
    made, taken = _brute_force_logins(found, failures, logins, pool, settings)
    made += _own("logging_disabled", "logging_disabled", pool, settings)
    made += _own("root_use", "root", pool, settings)
    for login in logins:
        who = principal_key(login.item.get("who"))
        if login.order in taken or not who:
            continue
        incident = _Incident("login_then_privilege", f"principal:{who}", "medium")
        pool.follow(incident, who, login.item["t"], settings.window_s * 1000)
        if incident.events:
            incident.events.insert(0, login)
            incident.severity = max(
                (_rule_severity(e, settings.detector) for e in incident.events), key=_rank
            )
            made.append(incident)
    shown = [_shown(incident) for incident in made]
    return sorted(shown, key=lambda i: (-_rank(i["severity"]), i["first"], i["id"]))


def _rank(severity: str) -> int:
    return severity_rank(severity)  # type: ignore[arg-type]


def _failure_items(found: Iterable[Found], source: str, at: int, window_ms: int) -> list[Found]:
    return [
        f for f in found
        if f.kind == "failed_login" and f.item.get("src") == source and at - window_ms <= f.item["t"] <= at
    ]  # fmt: skip


def iso(ms: int) -> str:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ` (as the report writes times)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def _shown(incident: _Incident) -> dict[str, Any]:
    """The report's incident: the agreed keys (id, kind, severity, title, first, last, principals,
    sources, hosts, rules, events, timeline) and a few more."""
    events = sorted(incident.events, key=lambda f: (f.order, f.kind))
    first, last = events[0].item, events[-1].item
    digest = hashlib.sha256(f"{incident.kind}\x1f{incident.key}\x1f{first['id']}".encode()).hexdigest()
    kept_failures = sum(1 for e in events if e.kind == "failed_login")
    count = len(events) - kept_failures + max(incident.failed, kept_failures)
    principals = sorted({e.item["who"] for e in events if e.item.get("who") and e.kind != "failed_login"})
    timeline = [
        {
            "time": iso(e.item["t"]),
            "kind": e.kind,
            "rule": ", ".join(e.item.get("rules", ())) or e.kind,
            "log_group": e.group,
            "stream": e.item["stream"],
            "host": e.item.get("host"),
            "who": e.item.get("who"),
            "line": e.item.get("line") or _described(e.item),
        }
        for e in events[:TIMELINE]
    ]
    return {
        "id": digest[:16],
        "kind": incident.kind,
        "key": incident.key,
        "severity": incident.severity,
        "title": _title(incident, events, principals),
        "first": iso(first["t"]),
        "last": iso(last["t"]),
        "principals": principals,
        "sources": sorted({e.item["src"] for e in events if e.item.get("src")}),
        "hosts": sorted({e.item["host"] for e in events if e.item.get("host")}),
        "log_groups": sorted({e.group for e in events}),
        "rules": sorted({rule for e in events for rule in e.item.get("rules", ())}),
        "events": count,
        "failed_logins": incident.failed,
        "timeline": timeline,
        "timeline_omitted": max(0, len(events) - TIMELINE),
    }


def _described(item: Item) -> str:
    """A key login keeps no line: what its fields say."""
    return f"{item.get('who', '?')} logged in from {item.get('src', '?')} with a key (its line is not kept)"


def _title(incident: _Incident, events: list[Found], principals: list[str]) -> str:
    who = ", ".join(principals) or "an unknown principal"
    changes = [e for e in events if e.kind in CHANGES]
    after = f", then {len(changes)} privilege, account or IAM change(s)" if changes else ""
    if incident.kind == "brute_force_login":
        source = incident.key.split(":", 1)[1]
        return f"{incident.failed:,} failed logins from {source}, then a login as {who}{after}"
    if incident.kind == "logging_disabled":
        return f"logging turned off by {who}"
    if incident.kind == "root_use":
        return f"root or break-glass use: {who}"
    return f"login as {who}{after}"
