"""What a notification says: the SNS subject and text, the EventBridge detail, the ASFF finding.

Pure. Everything comes from the detection (this batch) and the dedup state (the whole window so
far: count, first/last time, the earliest redacted sample); texts are redacted before they get
here. The message names the batch id and the archive object so replay and audit find the raw data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .detections import Detection
from .state import repeats

SUBJECT_LIMIT = 99  # SNS: printable ASCII, no line breaks, "must be less than 100 characters"
DESCRIPTION_LIMIT = 1024  # ASFF Description
ASFF_LABELS = {"critical": "CRITICAL", "high": "HIGH", "medium": "MEDIUM", "low": "LOW"}


@dataclass(frozen=True, slots=True)
class Notification:
    """One detection, ready to send."""

    subject: str
    text: str
    detail: dict[str, Any]  # EventBridge detail (and what the tests read)


def _when(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def _ascii(text: str) -> str:
    return "".join(c if " " <= c <= "~" else "?" for c in text)


def subject(detection: Detection) -> str:
    who = detection.key.split(":", 1)[1] if ":" in detection.key else detection.key
    if detection.context.get("failed_logins") is not None:  # a brute force then a login: name both
        who += f" -> {detection.context.get('principal') or '?'}"
    head = f"[{detection.severity.upper()}] {detection.rule} in {detection.log_group}: {who}"
    return _ascii(head)[:SUBJECT_LIMIT]


def detail(detection: Detection, state: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """The detection over its whole window so far (EventBridge `detail`)."""
    example = state.get("example") or {}
    policy = detection.policy
    threshold = state.get("threshold")
    return {
        "rule": policy.rule,
        "severity": policy.severity,
        "description": policy.description,
        "control": policy.control,
        "log_group": example.get("log_group", detection.log_group),
        "log_stream": example.get("log_stream", detection.log_stream),
        "key": detection.key,
        "principal": example.get("principal", detection.principal),
        "action": example.get("action", detection.action),
        "source": example.get("source", detection.source),
        "first_time": _when(state["first_ts"]),
        "last_time": _when(state["last_ts"]),
        "count": state["count"],
        "window": {"start": _when(state["window_start"]), "seconds": state["window_s"]},
        "threshold": threshold,
        "sample": example.get("sample", detection.sample),
        "batch_id": example.get("batch_id", detection.batch_id),
        "archive_key": example.get("archive_key", detection.archive_key),
        "notified_by_batch": detection.batch_id,
        "previous_window_repeats": repeats(previous),
        "next_step": policy.next_step,
        **(
            {"incident": incident}
            if (incident := _incident(detection.context or example.get("incident")))
            else {}
        ),
    }


def _incident(context: Any) -> dict[str, Any] | None:
    """The incident a detection opened or was counted in: its snapshot and what the opening adds."""
    if not context:
        return None
    return {**context.get("incident", {}), **{k: v for k, v in context.items() if k != "incident"}}


def _incident_lines(found: dict[str, Any]) -> list[str]:
    """What a brute force followed by a login adds: the failures and the login, side by side."""
    incident = found.get("incident") or {}
    if incident.get("failed_logins") is None:
        return []
    window = incident.get("window_minutes")
    return [
        f"Incident:  {incident['id']}: {incident['failed_logins']:,} failed login(s) from "
        f"{incident['source']}, then a login as {incident.get('principal') or '(not parsed)'}",
        "Later:     detections by this principal or from this source"
        + (f" within {window} min" if window else "")
        + " are counted in this incident, not notified again",
    ]


def text(found: dict[str, Any], bucket: str) -> str:
    """The message a person reads: what, where, who, when, a sample, what to check next."""
    who = [f"principal {found['principal']}" if found["principal"] else "principal (not parsed)"]
    if found["action"]:
        who.append(f"action {found['action']}")
    if found["source"]:
        who.append(f"source {found['source']}")
    threshold = found["threshold"]
    rule_line = f"{found['rule']} ({found['severity']}): {found['description']}"
    window = found["window"]
    counted = f"{found['count']:,} event(s) in the window from {window['start']} ({window['seconds']} s)"
    if threshold:
        counted += f"; alerted at {threshold['count']} within {threshold['window_s']} s"
    lines = [
        rule_line,
        *_incident_lines(found),
        f"Control:   {found['control'] or '-'}",
        f"Where:     log group {found['log_group']}, stream {found['log_stream']}",
        f"Who:       {', '.join(who)}",
        f"When:      {found['first_time']} to {found['last_time']}; {counted}",
        f"Sample:    {found['sample']}",
        f"Next:      {found['next_step']}",
        f"Raw data:  batch {found['batch_id']}, s3://{bucket}/{found['archive_key']}",
    ]
    if found["previous_window_repeats"]:
        lines.append(
            f"Repeats:   {found['previous_window_repeats']:,} more event(s) for this key in the previous "
            "window were not notified (one notification per rule, key and window)"
        )
    lines.append("Later events for this rule and key in this window are counted, not notified again.")
    return "\n".join(lines) + "\n"


def notification(
    detection: Detection, state: dict[str, Any], previous: dict[str, Any] | None, bucket: str
) -> Notification:
    found = detail(detection, state, previous)
    return Notification(subject(detection), text(found, bucket), found)


def finding(
    note: Notification,
    state: dict[str, Any],
    account: str,
    region: str,
    partition: str = "aws",
    source_account: str = "",
) -> dict[str, Any]:
    """The AWS Security Finding Format record (BatchImportFindings); its Id is the dedup key, so a
    second import updates the same finding instead of adding one. `account` must be the calling
    account (Security Hub refuses others); `source_account`, the log batch's owner, is kept in
    ProductFields."""
    found = note.detail
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    finding_id = f"logreview/{found['rule']}/{state['key_hash']}/{state['window_start']}"
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id,
        "ProductArn": f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": f"logreview/{found['rule']}",
        "AwsAccountId": account,
        "Types": ["Unusual Behaviors/User"],
        "CreatedAt": now,
        "UpdatedAt": now,
        "FirstObservedAt": found["first_time"].replace(" ", "T"),
        "LastObservedAt": found["last_time"].replace(" ", "T"),
        "Severity": {"Label": ASFF_LABELS[found["severity"]]},
        "Title": note.subject[:256],
        "Description": note.text[:DESCRIPTION_LIMIT],
        "Resources": [{"Type": "Other", "Id": f"{found['log_group']}/{found['log_stream']}"[:512]}],
        "ProductFields": {
            "logreview/rule": found["rule"],
            "logreview/batch_id": found["batch_id"],
            "logreview/archive_key": found["archive_key"][:2048],
            **({"logreview/source_account": source_account} if source_account else {}),
        },
    }
