"""Parsing one message: JSON, syslog/sshd, logfmt, plain text, Lambda lines, stack traces."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.aggregate import encode
from stream_processor.parse import Parsed, normalise_level, parse_message
from stream_processor.parse.textlevel import LEVEL_WORDS, level_word
from stream_processor.pipeline import process_data
from tests.support.builders import compress, envelope, log_event

CASES: list[tuple[str, tuple[str, float | None, str | None, str | None, str | None]]] = [
    # JSON, each level key and the other roles
    ('{"level": "error", "message": "boom", "latency_ms": 12.5}', ("ERROR", 12.5, None, None, None)),
    ('{"levelname": "WARNING", "msg": "m", "duration_ms": "40ms"}', ("WARN", 40.0, None, None, None)),
    ('{"severity": "CRITICAL", "elapsed_ms": 3}', ("CRITICAL", 3.0, None, None, None)),
    (
        '{"log_level": "debug", "user": "bob", "action": "login", "status": 401}',
        ("DEBUG", None, "bob", "login", "401"),
    ),
    ('  {"level": 50, "msg": "pino"}', ("ERROR", None, None, None, None)),
    ('{"level": 30, "user": {"name": "carol"}}', ("INFO", None, "carol", None, None)),
    (
        '{"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/al"}, "eventName": "DeleteBucket",'
        ' "errorCode": "AccessDenied"}',
        ("UNKNOWN", None, "arn:aws:iam::1:user/al", "DeleteBucket", "AccessDenied"),
    ),
    ('{"message": "ERROR: disk full"}', ("ERROR", None, None, None, None)),
    ('{"level": "info", "latency_ms": -5, "status": true}', ("INFO", None, None, None, "True")),
    ('{"level": "loud"}', ("UNKNOWN", None, None, None, None)),
    # logfmt
    (
        'level=error msg="a b" latency_ms=12 user=bob action=login status=403',
        ("ERROR", 12.0, "bob", "login", "403"),
    ),
    ("ts=1 lvl=warn duration_ms=7", ("WARN", 7.0, None, None, None)),
    # syslog / sshd / sudo / PAM
    (
        "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
        ("UNKNOWN", None, "webmaster", "sshd", None),
    ),
    (
        "Dec 10 09:32:20 LabSZ sshd[24680]: Accepted password for fztu from 1.2.3.4 port 49116 ssh2",
        ("UNKNOWN", None, "fztu", "sshd", None),
    ),
    (
        "Dec 10 07:51:15 LabSZ sshd[24324]: error: Received disconnect from 1.2.3.4: 3: Auth fail",
        ("ERROR", None, None, "sshd", None),
    ),
    (
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 user=root",
        ("UNKNOWN", None, "root", "sshd", None),
    ),
    (
        "Nov 26 12:00:02 ip-10-0-0-1 sudo:    alice : TTY=pts/0 ; PWD=/home/al ; USER=root ; COMMAND=/bin/ls",
        ("UNKNOWN", None, "alice", "sudo", None),
    ),
    ("2025-11-26T12:00:00Z host CRON[42]: (root) CMD (run-parts)", ("UNKNOWN", None, None, "CRON", None)),
    # plain text
    ("[ERROR] connection refused", ("ERROR", None, None, None, None)),
    ("[warn] slow", ("WARN", None, None, None, None)),
    ("WARNING: disk 91% full", ("WARN", None, None, None, None)),
    ("2024-01-01 12:00:00,123 - app - CRITICAL - out of memory", ("CRITICAL", None, None, None, None)),
    ("2020-03-05T16:30:36.113Z\tf08bb4c8\tDEBUG\tdetails", ("DEBUG", None, None, None, None)),
    ("ERROR:root:boom", ("ERROR", None, None, None, None)),
    ("connection error occurred", ("UNKNOWN", None, None, None, None)),
    ("db-ERROR is a host name", ("UNKNOWN", None, None, None, None)),
    ("request took 35.5 ms", ("UNKNOWN", 35.5, None, None, None)),
    # Lambda platform lines
    ("START RequestId: 6e1a Version: $LATEST", ("INFO", None, None, None, None)),
    ("END RequestId: 6e1a", ("INFO", None, None, None, None)),
    (
        "REPORT RequestId: 6e1a\tDuration: 102.25 ms\tBilled Duration: 103 ms",
        ("INFO", 102.25, None, None, None),
    ),
    ("2020-06-09T15:02:26.150Z 7c95 Task timed out after 3.00 seconds", ("ERROR", None, None, None, None)),
    # stack traces are errors
    (
        "Traceback (most recent call last):\n  File \"app.py\", line 1\nKeyError: 'x'",
        ("ERROR", None, None, None, None),
    ),
    (
        "java.lang.IllegalStateException: closed\n\tat com.x.W.run(W.java:88)",
        ("ERROR", None, None, None, None),
    ),
    ("worker stopped\n    at com.x.W.run(W.java:88)", ("ERROR", None, None, None, None)),
    # empty and binary
    ("", ("UNKNOWN", None, None, None, None)),
    ("\x00\x01\ufffd", ("UNKNOWN", None, None, None, None)),
]


@pytest.mark.parametrize(("message", "expected"), CASES)
def test_parse(message: str, expected: tuple[object, ...]) -> None:
    parsed = parse_message(message)
    assert isinstance(parsed, Parsed)
    assert tuple(parsed)[:5] == expected


def test_text_is_the_message_field_when_there_is_one() -> None:
    assert parse_message('{"level": "error", "message": "boom"}').text == "boom"
    assert parse_message('{"level": "error"}').text == '{"level": "error"}'
    assert parse_message('level=error msg="disk full" user=x').text == "disk full"


def test_normalise_level() -> None:
    assert [normalise_level(v) for v in ("Warning", " err ", 60, 20, True, None, 3.5)] == [
        "WARN",
        "ERROR",
        "CRITICAL",
        "DEBUG",
        None,
        None,
        None,
    ]


# The specification of `level_word`, as one (slow) regular expression: leftmost of `[word]` (any
# case), `word:` (any case) and a stand-alone upper-case WORD.
_WORDS = "|".join(sorted(LEVEL_WORDS, key=len, reverse=True))
_SPEC = re.compile(rf"\[\s*(?i:({_WORDS}))\s*\]|(?i:\b({_WORDS})):|(?<![\w.-])({_WORDS.upper()})(?![\w.-])")
PIECES = [
    "ERROR",
    "error",
    "Error",
    "[warn]",
    "[ WARNING ]",
    "info:",
    "INFO",
    "x",
    "-",
    ".",
    "_",
    ":",
    " ",
    "\t",
    "[",
    "]",
    "db",
    "CRITICAL",
    "fatal",
    "12:00:01",
    "É",
    "FATALITY",
    "ERRORS",
]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_level_word_follows_its_specification(head: str) -> None:
    found = _SPEC.search(head)
    expected = LEVEL_WORDS[next(g for g in found.groups() if g).lower()] if found else None
    assert level_word(head) == expected


@given(st.text(max_size=300))
def test_parse_never_raises(message: str) -> None:
    parsed = parse_message(message)
    assert parsed.level in {"DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "UNKNOWN"}
    assert parsed.latency_ms is None or parsed.latency_ms >= 0


@pytest.mark.parametrize(
    "message",
    [
        '{"level": "info", "latency_ms": 1e308}',
        '{"level": "info", "duration_ms": "1e300"}',
        '{"level": "info", "latency_ms": -5}',
        '{"level": "info", "latency_ms": 86400001}',
        "REPORT RequestId: 1 Duration: " + "9" * 400 + " ms",
        "request took " + "9" * 400 + " ms",
    ],
)
def test_absurd_latencies_are_ignored_and_never_break_a_batch(message: str) -> None:
    assert parse_message(message).latency_ms is None
    (partial,) = process_data(compress(envelope([log_event(message, 1_764_158_400_000)])))
    window = partial["windows"]["/admin/logs"]["12"]
    assert window["events"] == 1 and window["latency"]["count"] == 0
    encode(partial)


def test_a_day_long_latency_is_still_a_latency() -> None:
    assert parse_message('{"latency_ms": 86400000}').latency_ms == 86_400_000.0
