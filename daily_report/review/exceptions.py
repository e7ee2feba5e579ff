"""The report's `exceptions`: what each `Alerts.Exceptions` entry suppressed, and which expired (pure).

Counted from the day's merged aggregate (the evidence events each window keeps, see
`stream_processor.aggregate.evidence`) and the configuration, never from what the alert sink did:
the evidence merge keeps each event once whatever the redeliveries, replays, rollups and merge
order, so the counts are the same on every regeneration. An event counts under the first entry
that covers one of its rules (by the rule's notified id) at the event's own time, as on the live
path. A key whose events are more than the items its window kept counts all its `n` events when
every kept item matched the same entry (they share kind and key; only `Stream`/`Host` could tell
them apart), else only the items that matched. An entry naming the incident a login after a
brute force opens (`brute_force_login`) counts the report's incidents of that kind it covers, one
each, judged at the login as the live path judges it.

Status: `expired` when the entry's expiry came before the end of the reported day (of a week's or
month's last day; it no longer covers what happens after it, and the reviewer should renew or
remove it), else `active`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from stream_processor.alerting.exceptions import AlertException
from stream_processor.alerting.incidents import KIND as INCIDENT
from stream_processor.alerting.settings import notified_ids
from stream_processor.config import Config

Windows = Mapping[str, Mapping[str, Mapping[str, Any]]]  # log group → hour → window


@dataclass(frozen=True, slots=True)
class EvidenceHit:
    """One evidence event as an exception sees it (the `Subject` of `alerting.exceptions`)."""

    rule: str
    principal: str | None
    source: str | None
    log_stream: str
    host: str | None


def covering(
    item: Mapping[str, Any], exceptions: Sequence[AlertException], ids: Mapping[str, str]
) -> int | None:
    """The index of the first exception covering one of the item's rules at its time, or None."""
    rules = sorted({ids.get(rule, rule) for rule in item.get("rules", ())})
    hits = [
        EvidenceHit(rule, item.get("who"), item.get("src"), str(item.get("stream", "")), item.get("host"))
        for rule in rules
    ]
    for index, exception in enumerate(exceptions):
        if item["t"] < exception.expires_ms and any(exception.matches(hit) for hit in hits):
            return index
    return None


def _entries(windows: Windows) -> Iterable[Mapping[str, Any]]:
    for hours in windows.values():
        for window in hours.values():
            for section in (window.get("evidence") or {}).values():
                yield from section.get("keys", {}).values()


def suppressed_counts(
    windows: Windows, exceptions: Sequence[AlertException], ids: Mapping[str, str]
) -> list[int]:
    """Events each exception covered (see the module docstring for keys with more events than items)."""
    counts = [0] * len(exceptions)
    if not exceptions:
        return counts
    for entry in _entries(windows):
        found = [covering(item, exceptions, ids) for item in entry["items"]]
        if found and len(set(found)) == 1 and found[0] is not None:
            counts[found[0]] += int(entry["n"])
            continue
        for index in found:
            if index is not None:
                counts[index] += 1
    return counts


def incident_counts(
    incidents: Iterable[Mapping[str, Any]], exceptions: Sequence[AlertException]
) -> list[int]:
    """The `brute_force_login` incidents each exception covered at their login (one each)."""
    counts = [0] * len(exceptions)
    for incident in incidents:
        timeline = incident.get("timeline", []) if incident.get("kind") == INCIDENT else []
        login = next((entry for entry in timeline if entry.get("kind") == "login_success"), None)
        if login is None:
            continue
        at = int(datetime.fromisoformat(str(login["time"]).replace("Z", "+00:00")).timestamp() * 1000)
        source = next(iter(incident.get("sources") or []), None)
        hit = EvidenceHit(INCIDENT, login.get("who"), source, str(login.get("stream", "")), login.get("host"))
        found = next((i for i, e in enumerate(exceptions) if at < e.expires_ms and e.matches(hit)), None)
        if found is not None:
            counts[found] += 1
    return counts


def exceptions_section(
    day: date, windows: Windows, config: Config, incidents: Iterable[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """One row per configured exception, in configuration order."""
    exceptions = config.rules.alerting.exceptions
    from_evidence = suppressed_counts(windows, exceptions, notified_ids(config.rules.detector))
    counts = [a + b for a, b in zip(from_evidence, incident_counts(incidents, exceptions), strict=True)]
    end = datetime.combine(day + timedelta(days=1), time(), UTC)
    return [
        {
            "rule": exception.rule,
            "match": exception.match,
            "reason": exception.reason,
            "ticket": exception.ticket,
            "owner": exception.owner,
            "expires": exception.expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": "expired" if exception.expires < end else "active",
            "count": count,
        }
        for exception, count in zip(exceptions, counts, strict=True)
    ]
