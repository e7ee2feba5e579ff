"""A batch's rule hits → Detection records, one per (rule, key, window) the batch touches (pure).

The key is what a notification is about: for a thresholded rule the source address (or the
principal, as the rule says), else the principal; whichever is missing falls back to the other,
then to the log stream. Windows are aligned to the epoch (`AlertSettings.window_s`); thresholded
rules also count their events per aligned `Threshold.window_s` interval (`buckets`), so counts
from many small batches can be added up by the sink. Texts are redacted before they are kept.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..aggregate.origins import group_key
from ..decode import Batch
from ..detect import Detector
from ..detect.keys import source_of
from ..parse import Parsed
from ..redact import Redactor
from .exceptions import host_of
from .policy import AlertSettings, RulePolicy, rule_policy

SAMPLE_LENGTH = 500
_SAMPLE_SCAN = 4000


@dataclass(frozen=True, slots=True)
class Detection:
    """One rule's events for one key in one window, as seen in one batch."""

    policy: RulePolicy
    key: str  # "source:203.0.113.9", "principal:arn:aws:iam::…", "stream:…"
    window_start: int  # epoch ms
    window_s: int
    log_group: str
    log_stream: str
    owner: str
    principal: str | None
    action: str | None
    source: str | None
    count: int
    first_ts: int
    last_ts: int
    sample: str
    batch_id: str
    archive_key: str
    first_event_id: str
    buckets: Mapping[str, int] = field(default_factory=dict)  # threshold interval start ms → count
    context: Mapping[str, Any] = field(default_factory=dict)  # the incident it opens or is counted in

    @property
    def rule(self) -> str:
        return self.policy.rule

    @property
    def severity(self) -> str:
        return self.policy.severity

    @property
    def key_hash(self) -> str:
        """A path-safe, fixed-length stand-in for the key (keys may hold any text)."""
        return hashlib.sha256(self.key.encode("utf-8", "surrogatepass")).hexdigest()[:24]

    @property
    def day(self) -> str:
        """The UTC day the window starts on."""
        return time.strftime("%Y-%m-%d", time.gmtime(self.window_start // 1000))

    @property
    def host(self) -> str | None:
        """The host its first event's syslog line names (what an exception's `Host` matches)."""
        return host_of(self.sample)

    @property
    def peak(self) -> int:
        """The largest count in one threshold interval (the whole count when not thresholded)."""
        return max(self.buckets.values(), default=self.count)


def _key(policy: RulePolicy, source: str | None, principal: str | None, stream: str) -> str:
    """`kind:value`; the principal is redacted already (an "invalid user" may be a password)."""
    order = ("source", "principal")
    if policy.threshold is None or policy.threshold.per == "principal":
        order = ("principal", "source")
    values = {"source": source, "principal": principal}
    for kind in order:
        if values[kind]:
            return f"{kind}:{values[kind]}"
    return f"stream:{stream}"


@dataclass(slots=True)
class _Group:
    policy: RulePolicy
    key: str
    window_start: int
    first: tuple[int, str, int]  # (timestamp, event id, batch position) of the earliest event
    last_ts: int
    count: int = 0
    buckets: dict[str, int] = field(default_factory=dict)


class Analysis(Protocol):
    """What the pipeline found in a batch (`pipeline.Analysed`): each event's parse, its rule hits."""

    @property
    def parsed(self) -> Sequence[Parsed]: ...
    @property
    def hits(self) -> Mapping[int, Sequence[str]]: ...


class RuleSet(Protocol):
    """The configured rules (`pipeline.Rules`; named here by shape: the pipeline imports alerting)."""

    @property
    def redact(self) -> Redactor: ...
    @property
    def alerting(self) -> AlertSettings: ...
    @property
    def detector(self) -> Detector: ...
    @property
    def account(self) -> str: ...


def find_detections(
    batch: Batch, analysis: Analysis, rules: RuleSet, archive_key: str
) -> tuple[list[Detection], int]:
    """Detections of one batch, sorted by (rule, key, window); and how many groups were left out.

    At most `rules.alerting.max_keys` groups of thresholded rules are kept (the largest); groups
    of rules without a threshold are always kept.
    """
    hits, parsed, redact = analysis.hits, analysis.parsed, rules.redact
    settings, detector = rules.alerting, rules.detector
    window_ms = settings.window_s * 1000
    groups: dict[tuple[str, str, int], _Group] = {}
    policies: dict[str, RulePolicy] = {}
    sources: dict[int, str | None] = {}
    principals: dict[str, str | None] = {}
    for index, rule_ids in sorted(hits.items()):
        event_parsed = parsed[index]
        event = batch.events[index]
        stamp = event["timestamp"]
        if index not in sources:
            sources[index] = source_of(event["message"])
        counted: set[str] = set()  # an event counts once in a group, whatever rules it hit there
        for rule in rule_ids:
            policy = policies.get(rule) or policies.setdefault(rule, rule_policy(rule, settings, detector))
            if policy.rule in counted:
                continue
            counted.add(policy.rule)
            principal = event_parsed.principal
            if principal is not None and principal not in principals:
                principals[principal] = _redacted(principal, redact)
            clean = None if principal is None else principals[principal]
            key = _key(policy, sources[index], clean, batch.log_stream)
            window = stamp // window_ms * window_ms
            marker = (stamp, str(event["id"]), index)
            group = groups.get((policy.rule, key, window))
            if group is None:
                group = groups[(policy.rule, key, window)] = _Group(policy, key, window, marker, stamp)
            group.count += 1
            group.first = min(group.first, marker)
            group.last_ts = max(group.last_ts, stamp)
            if policy.threshold is not None:
                interval = policy.threshold.window_s * 1000
                bucket = str(stamp // interval * interval)
                group.buckets[bucket] = group.buckets.get(bucket, 0) + 1
    kept, dropped = _bounded(list(groups.values()), settings.max_keys)
    where = group_key(batch.owner, rules.account, batch.log_group)  # the windows' key (pipeline)
    detections = [
        _detection(batch, where, parsed, group, sources, redact, archive_key, settings) for group in kept
    ]
    detections.sort(key=lambda d: (d.rule, d.key, d.window_start))
    return detections, dropped


def _bounded(groups: list[_Group], most: int) -> tuple[list[_Group], int]:
    always = [g for g in groups if g.policy.threshold is None]
    counted = [g for g in groups if g.policy.threshold is not None]
    if len(counted) <= most:
        return groups, 0
    counted.sort(key=lambda g: (-g.count, g.key, g.window_start))
    return always + counted[:most], len(counted) - most


def _redacted(text: str | None, redact: Redactor) -> str | None:
    return None if text is None else redact(text[:_SAMPLE_SCAN])[:SAMPLE_LENGTH]


def _detection(
    batch: Batch,
    log_group: str,
    parsed: Sequence[Parsed],
    group: _Group,
    sources: Mapping[int, str | None],
    redact: Redactor,
    archive_key: str,
    settings: AlertSettings,
) -> Detection:
    stamp, event_id, index = group.first
    return Detection(
        policy=group.policy,
        key=group.key,
        window_start=group.window_start,
        window_s=settings.window_s,
        log_group=log_group,
        log_stream=batch.log_stream,
        owner=batch.owner,
        principal=_redacted(parsed[index].principal, redact),
        action=_redacted(parsed[index].action, redact),
        source=sources.get(index),
        count=group.count,
        first_ts=stamp,
        last_ts=group.last_ts,
        sample=_redacted(batch.events[index]["message"], redact) or "",
        batch_id=batch.batch_id,
        archive_key=archive_key,
        first_event_id=event_id,
        buckets=dict(sorted(group.buckets.items())),
    )


def as_dict(detection: Detection) -> dict[str, Any]:
    """The detection's fields as JSON-ready values (EventBridge detail, logs, tests)."""
    policy = detection.policy
    return {
        "rule": policy.rule,
        "severity": policy.severity,
        "description": policy.description,
        "control": policy.control,
        "log_group": detection.log_group,
        "log_stream": detection.log_stream,
        "key": detection.key,
        "principal": detection.principal,
        "action": detection.action,
        "source": detection.source,
        "sample": detection.sample,
        "batch_id": detection.batch_id,
        "archive_key": detection.archive_key,
        "next_step": policy.next_step,
        **({"incident": dict(detection.context)} if detection.context else {}),
    }
