"""Security rules: what the defaults flag, and `scan` (the fast batch path) equal to `match`."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.classify import DEFAULT_RULES, DEFAULT_SECURITY_RULES, SecurityRules
from stream_processor.rulefilter import RuleFilter, alternatives, needles

EXAMPLES = {
    "auth_failure": [
        "Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for invalid user admin from 1.2.3.4 port 22 ssh2",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh",
        "klogind[19272]: Kerberos authentication failed",
        '{"errorCode": "AccessDenied", "eventName": "GetObject"}',
        "An error occurred (UnauthorizedOperation) when calling RunInstances",
        '10.0.0.1 - - [26/Nov/2025:12:00:03 +0000] "GET /admin HTTP/1.1" 403 12',
        "upstream said 401 Unauthorized",
    ],
    "privilege_change": [
        "sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls",
        "usermod -aG wheel bob",
        '{"eventName": "AttachUserPolicy", "userIdentity": {"type": "IAMUser"}}',
        '{"eventName": "CreateAccessKey"}',
        "role granted to carol by admin",
    ],
    "root_activity": [
        '{"userIdentity": {"type": "Root", "arn": "arn:aws:iam::1:root"}}',
        "session opened for user root by (uid=0)",
        "Accepted publickey for root from 1.2.3.4 port 22 ssh2",
        "type=USER_CMD msg=audit(1): pid=1 uid=0 auid=0 ses=1",
        "ROOT LOGIN ON tty1",
    ],
    "destructive_action": [
        '{"eventName": "DeleteBucket", "requestParameters": {"bucketName": "b"}}',
        "DROP TABLE customers;",
        "TerminateInstances i-0abc",
        "userdel mallory",
        "rm -rf / --no-preserve-root",
    ],
}
QUIET = [
    "GET /healthz 200 3ms",
    "Accepted publickey for ec2-user from 1.2.3.4 port 22 ssh2",
    "pam_unix(sshd:auth): authentication failure is not logged as uid=0 in this message",
    "the user interface was redrawn",
    "pseudo-random seed rotated",
]


@pytest.mark.parametrize(("rule", "message"), [(r, m) for r, ms in EXAMPLES.items() for m in ms])
def test_default_rules_flag_their_examples(rule: str, message: str) -> None:
    assert rule in DEFAULT_SECURITY_RULES.match(message)


@pytest.mark.parametrize("message", QUIET[:2] + QUIET[3:])
def test_ordinary_lines_are_not_security_events(message: str) -> None:
    assert DEFAULT_SECURITY_RULES.match(message) == []


def test_rule_order_is_fixed_whatever_the_config_order() -> None:
    forward = SecurityRules.from_mapping(DEFAULT_RULES)
    backward = SecurityRules.from_mapping(dict(reversed(list(DEFAULT_RULES.items()))))
    assert forward.names == backward.names == tuple(sorted(DEFAULT_RULES))


def test_every_default_rule_has_needles() -> None:
    """Without needles a rule is searched in every message: the defaults must not fall back."""
    for rule in DEFAULT_SECURITY_RULES.filters:
        assert rule.needles and min(map(len, rule.needles)) >= 3 and rule.split


FRAGMENTS = (
    [m for ms in EXAMPLES.values() for m in ms]
    + QUIET
    + [
        "Failed",
        "PASSWORD",
        "sudoers",
        "xsudo",
        "Policy",
        "401",
        "root",
        "ROOT",
        "Delete",
        "users",
        "caf\u00e9",
        "\u0130nvalid user",
        "\u212aelvin",
        "\x1e",
        "\n",
        "  ",
        '"type":"Root"',
        "user=root",
        "drop_table",
        "xkill db",
        "KILL DB",
        "Halts",
        "stop",
        "\u00e9lany",
        "xy",
        "axy",
    ]
)
messages = st.lists(st.sampled_from(FRAGMENTS), max_size=6).map(" ".join) | st.text(max_size=40)
CUSTOM = {
    "break_glass": r"(?i)break-?glass",
    "ssn": r"\b\d{3}-\d{2}-\d{4}\b",
    "anchored": r"^ERROR\b",
    "mixed": r"\bKILL\b|(?i:panic: \w+)",
    "grouped": r"\b(?:drop|kill)[_ ]?(?:db|table)\b|(?i:\b(?:halt|stop)s?\b)",
    "unicode": r"\b(?:\u00e9lan|x)y",
}


@settings(max_examples=300)
@given(st.lists(messages, max_size=40))
def test_scan_equals_match_on_every_message(batch: list[str]) -> None:
    for rules in (DEFAULT_SECURITY_RULES, SecurityRules.from_mapping({**DEFAULT_RULES, **CUSTOM})):
        expected = {i: found for i, m in enumerate(batch) if (found := rules.match(m))}
        assert rules.scan(batch) == expected


@settings(max_examples=300)
@given(messages)
def test_needles_are_necessary_and_the_split_rule_is_the_same_rule(message: str) -> None:
    for source in [*DEFAULT_RULES.values(), *CUSTOM.values()]:
        pattern, rule = re.compile(source), RuleFilter.of(source)
        matched = pattern.search(message) is not None
        assert rule.hit(pattern, message, message.lower()) == matched
        if matched and rule.needles and message.isascii():
            assert any(n in message.lower() for n in rule.needles)


def test_needles_of_custom_patterns() -> None:
    assert needles(r"(?i)break-?glass") in (frozenset({"break"}), frozenset({"glass"}))
    assert needles(r"x[ab]yz") == frozenset({"xayz", "xbyz"})
    assert needles(r"\d{3}-\d{2}") is None  # nothing literal: searched directly
    assert needles(r"foo(bar)+baz") in (frozenset({"foo"}), frozenset({"bar"}), frozenset({"baz"}))


def test_alternatives_respect_escapes_classes_and_groups() -> None:
    assert alternatives(r"a|[|]|(b|c)|\|x|[]|]|[^]|]") == ["a", "[|]", "(b|c)", r"\|x", "[]|]", "[^]|]"]
