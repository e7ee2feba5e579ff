"""Which events of a batch are evidence an incident can be built from, and what each one says (pure).

One kind per event, the most telling first: `logging_disabled` (CloudTrail StopLogging,
DeleteTrail, StopConfigurationRecorder, DeleteDeliveryChannel; auditd or the syslog daemon
stopped), `root` (the root user, a root login, su to root, a configured break-glass rule),
`iam_change` (CloudTrail IAM changes, an IAM change an application logged), `privilege` (a sudo
command, run or refused), `account_change` (local users and groups), `login_success` (a login a
rule flags: sshd accepted a password, a console sign-in succeeded), `key_login` (sshd accepted a
key: routine, so kept without its line, the earliest two per principal and hour), `failed_login`
(sshd, PAM, login, console sign-in failures). Rule hits decide most kinds; cheap substring checks
find what no rule flags (sshd's key logins, sudo lines, logging turned off), so only those events
are looked at twice.

An item keeps what correlation and the admin-action table need: time, event id, source address,
principal, host, log stream, account and region when known, the rules hit, a detail (the sudo
command, the CloudTrail call) and the line, redacted before it leaves the archive and cut at
`LINE_LIMIT` characters (not at the 500 of a sample).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

from ..decode import Batch
from ..detect.detector import Documents, load_json
from ..detect.keys import source_of
from ..parse import Parsed
from ..parse.anchored import leftmost, occurrences

LINE_LIMIT = 2048
LINE_SCAN = 8192  # characters of a message redacted before the cut (a secret past it is cut off anyway)

FAILED_RULES = frozenset(
    {"ssh_failed_login", "ssh_invalid_user", "ssh_too_many_failures", "pam_auth_failure",
     "login_auth_failure", "cis_console_auth_failures"}
)  # fmt: skip
ROOT_RULES = frozenset({"cis_root_account_usage", "console_root_login", "ssh_root_login", "su_to_root"})
IAM_RULES = frozenset({"cis_iam_policy_changes", "aws_iam_user_changes", "iam_change_logged"})
PRIVILEGE_RULES = frozenset({"sudo_to_root", "sudo_denied"})
ACCOUNT_RULES = frozenset(
    {"user_created", "group_created", "user_modified", "password_changed", "admin_group_added"}
)
LOGIN_RULES = frozenset({"ssh_password_login", "cis_console_login_without_mfa"})
LOGGING_CALLS = frozenset(
    {"StopLogging", "DeleteTrail", "StopConfigurationRecorder", "DeleteDeliveryChannel"}
)
KINDS = (
    "logging_disabled", "root", "iam_change", "privilege", "account_change", "login_success", "key_login",
    "failed_login",
)  # fmt: skip
LOGINS = ("login_success", "key_login")
_LINELESS = frozenset({"key_login"})  # its fields say it all: who, from where, when

_HOST = re.compile(  # syslog: time, host, program[pid]:
    r"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?) "
    r"(\S+) [\w./-]+(?:\[\d+\])?: "
)
_ACCEPTED = re.compile(r"\bAccepted \S+ for (\S+) from (\S+)")
_SUDO = re.compile(r"\bsudo(?:\[\d+\])?: +(\S+) : (.*)", re.DOTALL)
_LOGGING_OFF = re.compile(
    r"\baudit daemon is exiting|\bauditd\[\d+\]: .*\bexiting|\bStopp(?:ed|ing) (?:Security Auditing Service"
    r"|System Logging Service|auditd|rsyslog|amazon-cloudwatch-agent)|\bauditctl -e ?0\b"
    r"|\b(?:service|systemctl) (?:stop|disable) (?:auditd|rsyslog|amazon-cloudwatch-agent)\b"
)

# Each pattern opens with `\\b`, so Python's engine would try it at every position: it is tried
# only where one of its words starts (`parse.anchored`; test_classify_fast.py compares both).
_STARTS = {
    _ACCEPTED: ("Accepted ",),
    _SUDO: ("sudo",),
    _LOGGING_OFF: ("audit", "Stopp", "service ", "systemctl "),
}


def _search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.search(text)`, tried where the pattern's words start."""
    return leftmost(pattern, text, occurrences(text, _STARTS[pattern]))


Item = dict[str, Any]
Clean = Callable[[str], str]


_LOGGING_WORDS = ("audit", "Stopp", "rsyslog", "cloudwatch-agent")  # `_LOGGING_OFF` needs one of them
NEEDLES = ("Accepted ", "COMMAND=", '"ConsoleLogin"', *_LOGGING_WORDS)  # evidence no rule flags
Marks = Mapping[int, Sequence[str]]  # event index -> the `NEEDLES` its message holds (none: left out)


def marks_of(messages: Sequence[str]) -> dict[int, tuple[str, ...]]:
    """The plain check for `NEEDLES`, event by event (the pipeline gets the same from the
    detector's pass, `Detector.scan_marked`). The batch's text is asked first, so a batch
    without any needle costs no per-event work."""
    text = "\n".join(messages)
    present = [needle for needle in NEEDLES if needle in text]
    if not present:
        return {}
    found = {i: tuple(n for n in present if n in message) for i, message in enumerate(messages)}
    return {i: needles for i, needles in found.items() if needles}


def _looked_at(hits: Mapping[int, Sequence[str]], marks: Marks) -> tuple[list[int], set[int]]:
    """The events that may be evidence (those with a rule hit, and those holding a needle), and
    those holding a word `_LOGGING_OFF` needs."""
    if not marks:
        return sorted(hits), set()
    logging = {i for i, needles in marks.items() if not _LOGGING_WORDS_SET.isdisjoint(needles)}
    return sorted(marks.keys() | hits.keys()), logging


_LOGGING_WORDS_SET = frozenset(_LOGGING_WORDS)


def _is_break_glass(rule: str) -> bool:
    return "break_glass" in rule or "breakglass" in rule


def _record(message: str, documents: Documents | None = None) -> Mapping[str, Any] | None:
    """The CloudTrail record in a message (only called for events a CloudTrail rule or check hit);
    `documents`: the JSON the detector loaded from the batch's messages (`detector.load_json`)."""
    if not message.startswith("{"):
        return None
    found = load_json(message, documents)
    return found if isinstance(found, dict) and "eventName" in found else None


@functools.lru_cache(maxsize=1024)
def _by_rules(rules: tuple[str, ...]) -> str | None:
    """The first kind, in `_kind`'s order, that the rule ids alone decide (few tuples recur)."""
    hit = set(rules)
    if hit & ROOT_RULES or any(_is_break_glass(rule) for rule in hit):
        return "root"
    for kind, rule_set in _RULE_KINDS:
        if hit & rule_set:
            return kind
    return None


_RULE_KINDS = (
    ("iam_change", IAM_RULES), ("privilege", PRIVILEGE_RULES), ("account_change", ACCOUNT_RULES),
    ("login_success", LOGIN_RULES), ("failed_login", FAILED_RULES),
)  # fmt: skip
_BEFORE_SUDO = ("root", "iam_change", "privilege")  # kinds the rules decide before a sudo line
_BEFORE_KEY = ("account_change", "login_success")  # ... and before a key login or console sign-in


def _kind(rules: Sequence[str], message: str, record: Mapping[str, Any] | None, logging: bool) -> str | None:
    """The event's kind, the most telling first (the module's docstring); `logging`: the message
    holds one of `_LOGGING_WORDS`."""
    if record is not None and record.get("eventName") in LOGGING_CALLS and "errorCode" not in record:
        return "logging_disabled"
    if logging and _search(_LOGGING_OFF, message[:LINE_SCAN]):
        return "logging_disabled"
    by_rules = _by_rules(rules if type(rules) is tuple else tuple(rules)) if rules else None
    if by_rules in _BEFORE_SUDO:
        return by_rules
    if "COMMAND=" in message and _search(_SUDO, message[:LINE_SCAN]):
        return "privilege"
    if by_rules in _BEFORE_KEY:
        return by_rules
    if "Accepted " in message and _search(_ACCEPTED, message[:LINE_SCAN]):
        return "key_login"  # a login no rule flags (a key, a certificate): routine, kept small
    if record is not None and _console_success(record):
        return "login_success"
    return by_rules  # failed_login, or None


def _console_success(record: Mapping[str, Any]) -> bool:
    response = record.get("responseElements")
    return (
        record.get("eventName") == "ConsoleLogin"
        and isinstance(response, dict)
        and response.get("ConsoleLogin") == "Success"
    )


def _cloudtrail(record: Mapping[str, Any], clean: Clean) -> dict[str, Any]:
    """Principal, source, account, region and the call (with its parameters) of a CloudTrail record."""
    identity = record.get("userIdentity")
    identity = identity if isinstance(identity, dict) else {}
    who = identity.get("arn") or identity.get("userName") or identity.get("type")
    params = record.get("requestParameters")
    call = str(record.get("eventName", ""))
    if isinstance(params, dict) and params:
        call += " " + orjson.dumps(params, option=orjson.OPT_SORT_KEYS).decode()
    found = {
        "who": str(who) if who else None,
        "src": record.get("sourceIPAddress") if isinstance(record.get("sourceIPAddress"), str) else None,
        "acct": record.get("recipientAccountId") or identity.get("accountId"),
        "region": record.get("awsRegion"),
        "detail": clean(call[:LINE_SCAN])[:LINE_LIMIT],
    }
    return {key: str(value) for key, value in found.items() if value}


def _text_fields(kind: str, message: str, principal: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    head = message[:LINE_SCAN]
    if kind == "privilege" and (sudo := _search(_SUDO, head)):
        found["who"], found["detail"] = sudo.group(1), sudo.group(2).strip()
    elif (kind in LOGINS or kind == "root") and (accepted := _search(_ACCEPTED, head)):
        found["who"], found["src"] = accepted.group(1), accepted.group(2)
    if "who" not in found and principal:
        found["who"] = principal
    if "src" not in found and (source := source_of(message)):
        found["src"] = source
    if host := _HOST.match(head):
        found["host"] = host.group(1)
    return found


def classify(
    batch: Batch,
    parsed: Sequence[Parsed],
    hits: Mapping[int, Sequence[str]],
    clean: Clean,
    name: Clean,
    line: Clean | None = None,
    marks: Marks | None = None,
    documents: Documents | None = None,
) -> list[tuple[str, Item]]:
    """(kind, item) for every evidence event of the batch, in batch order.

    `clean` redacts log text, `name` a principal (masked whole when it looks like a secret),
    `line` a whole message to `LINE_LIMIT` characters (default: `clean`, then cut; the pipeline
    passes one that shares the security samples' memo); `marks` the needles each event holds
    (default: `marks_of` the messages; the pipeline passes the detector's); `documents` the JSON
    the detector loaded from them (`Detector.scan_marked`), read instead of loading it again."""
    line = line or (lambda message: clean(message[:LINE_SCAN])[:LINE_LIMIT])
    found: list[tuple[str, Item]] = []
    events = batch.events
    if marks is None:
        marks = marks_of([event["message"] for event in events])
    looked, logging = _looked_at(hits, marks)
    for index in looked:
        event = events[index]
        message = event["message"]
        rules = hits.get(index, ())
        record = (
            _record(message, documents)
            if (rules or '"ConsoleLogin"' in message) and "eventName" in message
            else None
        )
        kind = _kind(rules, message, record, index in logging)
        if kind is None:
            continue
        item: Item = {"t": event["timestamp"], "id": str(event["id"]), "stream": batch.log_stream}
        text = "" if kind in _LINELESS else line(message)
        fields = _cloudtrail(record, clean) if record is not None else {}
        if record is None:
            fields = _text_fields(kind, text or message, parsed[index].principal)  # detail: redacted
            if kind not in LOGINS and kind != "failed_login":  # where an admin action happened
                fields.setdefault("acct", batch.owner or None)
        if fields.get("who"):
            fields["who"] = name(fields["who"])
        item.update({key: value for key, value in fields.items() if value})
        if rules:
            item["rules"] = list(rules)
        if text:
            item["line"] = text
        found.append((kind, item))
    return found


def key_of(kind: str, item: Item) -> str:
    """What an item is bounded by: failures per source; logins per source and principal; the
    rest per principal (else host, else stream)."""
    who = item.get("who") or item.get("host") or item.get("stream", "")
    if kind == "failed_login":
        return str(item.get("src") or who)
    if kind == "login_success":
        return f"{item.get('src', '-')} {who}"
    if kind == "key_login":
        return str(item.get("who") or who)
    return str(who)
