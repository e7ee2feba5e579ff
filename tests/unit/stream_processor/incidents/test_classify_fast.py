"""The classifier's shortcuts give exactly what the plain checks they replace give (property tests).

- the needles each event holds, found by the detector's one pass (`Detector.scan_marked`), are
  those the plain per-event check (`classify.marks_of`) finds, and the rule hits are `scan`'s;
- `_kind`, which takes what the rule hits decide from a memo, is the plain chain of checks below
  (the code it replaced, kept here as the reference);
- the whole classification of a batch is the same with the detector's marks and without them,
  and with the JSON the detector loaded (`documents`) and without it; so are the rule hits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.decode import Batch, batch_id
from stream_processor.detect import DEFAULT_DETECTOR
from stream_processor.detect.detector import NOT_JSON, load_json
from stream_processor.incidents import classify as c
from stream_processor.parse import parse_message
from stream_processor.redact import DEFAULT_REDACTOR

HOST = "Nov 26 10:00:00 web-1 "
FRAGMENTS = (
    *c.NEEDLES,
    "Accepte",
    "COMMAND",
    "audi",
    "Stop",
    "rsyslo",
    "\n",
    " ",
    "x",
    HOST,
    "sshd[1]: Failed password for invalid user oracle from 203.0.113.9 port 1 ssh2",
    "sshd[2]: Accepted publickey for deploy from 203.0.113.9 port 2 ssh2",
    "sshd[3]: Accepted password for root from 10.0.0.1 port 3 ssh2",
    "sudo:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND=/bin/ls",
    "sudo: eve : command not allowed ; TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh",
    "systemd[1]: Stopped Security Auditing Service.",
    "auditd[4]: The audit daemon is exiting.",
    "systemctl stop rsyslog",
    "useradd[9]: new user: name=backup2, UID=1002",
    "su: (to root) alice on pts/0",
    "break-glass role assumed by alice",
    "pam_unix(sshd:auth): authentication failure; rhost=198.51.100.2 user=bob",
)
RECORDS = (
    {"eventVersion": "1.08", "eventName": "StopLogging", "eventSource": "cloudtrail.amazonaws.com"},
    {"eventVersion": "1.08", "eventName": "StopLogging", "errorCode": "AccessDenied"},
    {"eventVersion": "1.08", "eventName": "ConsoleLogin", "responseElements": {"ConsoleLogin": "Success"}},
    {"eventVersion": "1.08", "eventName": "ConsoleLogin", "responseElements": {"ConsoleLogin": "Failure"}},
    {"eventVersion": "1.08", "eventName": "AttachUserPolicy", "userIdentity": {"type": "Root"}},
    {"eventVersion": "1.08", "eventName": "CreateUser", "sourceIPAddress": "192.0.2.1"},
)
RULE_IDS = sorted(
    c.FAILED_RULES | c.ROOT_RULES | c.IAM_RULES | c.PRIVILEGE_RULES | c.ACCOUNT_RULES | c.LOGIN_RULES
    | {"break_glass", "my_breakglass", "http_5xx", "other"}
)  # fmt: skip

messages = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join),
    st.sampled_from(RECORDS).map(lambda record: orjson.dumps(record).decode()),
)


def plain_kind(rules: Sequence[str], message: str, record: Mapping[str, Any] | None) -> str | None:
    """`_kind` before its memo: every check in order, for every event."""
    hit = set(rules)
    if record is not None and record.get("eventName") in c.LOGGING_CALLS and "errorCode" not in record:
        return "logging_disabled"
    if any(word in message for word in c._LOGGING_WORDS) and c._LOGGING_OFF.search(message[: c.LINE_SCAN]):
        return "logging_disabled"
    if hit & c.ROOT_RULES or any("break_glass" in rule or "breakglass" in rule for rule in hit):
        return "root"
    if hit & c.IAM_RULES:
        return "iam_change"
    if hit & c.PRIVILEGE_RULES or ("COMMAND=" in message and c._SUDO.search(message[: c.LINE_SCAN])):
        return "privilege"
    if hit & c.ACCOUNT_RULES:
        return "account_change"
    if hit & c.LOGIN_RULES:
        return "login_success"
    if "Accepted " in message and c._ACCEPTED.search(message[: c.LINE_SCAN]):
        return "key_login"
    if record is not None and c._console_success(record):
        return "login_success"
    if hit & c.FAILED_RULES:
        return "failed_login"
    return None


@settings(max_examples=300, deadline=None)
@given(st.lists(messages, min_size=1, max_size=12))
def test_the_detectors_pass_finds_the_needles_the_plain_check_finds(batch: list[str]) -> None:
    hits, marks = DEFAULT_DETECTOR.scan_marked(batch, (), c.NEEDLES)
    assert hits == DEFAULT_DETECTOR.scan(batch)
    assert marks == c.marks_of(batch)
    assert marks == {
        i: needles for i, m in enumerate(batch) if (needles := tuple(n for n in c.NEEDLES if n in m))
    }


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(RULE_IDS), unique=True).map(sorted), messages, st.booleans())
def test_kind_is_the_plain_chain_of_checks(rules: list[str], message: str, as_list: bool) -> None:
    record = c._record(message)
    logging = any(word in message for word in c._LOGGING_WORDS)
    found = c._kind(rules if as_list else tuple(rules), message, record, logging)
    assert found == plain_kind(rules, message, record)


def _batch(texts: list[str]) -> Batch:
    events = [
        {"id": f"{i:020d}", "timestamp": 1_764_151_200_000 + i, "message": m} for i, m in enumerate(texts)
    ]
    return Batch(
        "DATA_MESSAGE", "111122223333", "/g", "i-1/secure", (), events, batch_id("1", "/g", "s", events)
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(messages, min_size=1, max_size=12))
def test_classifying_with_the_detectors_marks_is_classifying_without(texts: list[str]) -> None:
    batch = _batch(texts)
    parsed = [parse_message(text) for text in texts]
    hits, marks = DEFAULT_DETECTOR.scan_marked(texts, [p.status for p in parsed], c.NEEDLES)
    redact = DEFAULT_REDACTOR
    with_marks = c.classify(batch, parsed, hits, redact, redact.name, None, marks)
    assert with_marks == c.classify(batch, parsed, hits, redact, redact.name)
    documents: dict[str, Any] = {}
    assert DEFAULT_DETECTOR.scan_marked(texts, [p.status for p in parsed], c.NEEDLES, documents) == (
        hits,
        marks,
    )
    assert all(text in texts for text in documents)
    assert c.classify(batch, parsed, hits, redact, redact.name, None, marks, documents) == with_marks


def test_a_mark_must_be_a_plain_word() -> None:
    for mark in ("a.b", "x|y", "", "two\nlines"):
        try:
            DEFAULT_DETECTOR.scan_marked(["a.b"], (), (mark,))
        except ValueError:
            continue
        raise AssertionError(f"{mark!r} was accepted")


SEARCH_FRAGMENTS = (
    *FRAGMENTS,
    "Accepted password for bob from 10.0.0.2",
    "xAccepted key for a from b",
    "sudo[12]:  carol : ",
    "pseudo: x : y",
    "sudo: ",
    " : ",
    "The audit daemon is exiting",
    "auditd[7]: x exiting",
    "auditctl -e 0",
    "auditctl -e0x",
    "Stopping rsyslog",
    "service stop auditd",
    "service disable amazon-cloudwatch-agent",
    "systemctl disable rsyslogd",
    "for ",
    "from ",
    "é",
)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from(SEARCH_FRAGMENTS), max_size=8).map("".join),
    st.sampled_from(sorted(c._STARTS, key=str)),
)
def test_each_search_tried_where_its_words_start_is_the_plain_search(text: str, pattern: Any) -> None:
    fast, plain = c._search(pattern, text), pattern.search(text)
    assert (fast and (fast.span(), fast.groups())) == (plain and (plain.span(), plain.groups()))


def test_the_detectors_documents_are_what_orjson_loads() -> None:
    record = orjson.dumps(RECORDS[0]).decode()
    documents: dict[str, Any] = {}
    DEFAULT_DETECTOR.scan_marked([record, "plain"], (), c.NEEDLES, documents)
    assert documents == {record: orjson.loads(record)}  # loaded once, read again by `classify`
    assert load_json("{not json", documents) is NOT_JSON and documents["{not json"] is NOT_JSON
    assert load_json("null", documents) is None and "null" not in documents
