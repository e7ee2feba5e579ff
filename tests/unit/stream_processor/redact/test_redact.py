"""Redaction: every secret shape of docs/design.md §4 is masked before text is kept; ordinary text is not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.redact import DEFAULT_REDACTOR, MASK, Redactor

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

# (text, the secret that must disappear, what must remain)
CASES = [
    ("key id AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE", "key id"),
    ("session ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A", "session"),
    (f"aws_secret_access_key = {SECRET_KEY}", SECRET_KEY, "aws_secret_access_key = "),
    (f"leaked {SECRET_KEY} here", SECRET_KEY, "leaked"),
    ("password=hunter2 next", "hunter2", " next"),
    ("PASSWORD: hunter2", "hunter2", "PASSWORD:"),
    ("passwd hunter2x passwd=hunter2", "=hunter2", "passwd"),
    ('{"password": "two words", "user": "bob"}', "two words", '"user": "bob"'),
    ('{"msg": "{\\"password\\":\\"hunter2\\"}"}', "hunter2", '\\"password\\":\\"'),
    ("token=abc.def.ghi&x=1", "abc.def.ghi", "&x=1"),
    ("access_token=abc123&refresh_token=zzz9", "abc123", "access_token="),
    ("client_secret=xyz api_key=abc123", "abc123", "client_secret="),
    ("secret=s3cr3t!", "s3cr3t", "secret="),
    ("x-api-key: k3y-value", "k3y-value", "x-api-key:"),
    ("Authorization: Bearer abcdefghijklmnop.qrs", "abcdefghijklmnop", "Authorization: Bearer"),
    ("authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA", "authorization: Basic"),
    ('"Authorization":"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x"', "Credential", "AWS4-HMAC-SHA256"),
    ("calling upstream with Bearer abc123def456", "abc123def456", "calling upstream"),
    (f"jwt {JWT} end", JWT[:20], "jwt"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "MIIEow", "KEY]"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE (cut)", "b3BlbnNz", "REDACTED"),
    ("postgres://admin:s3cretpw@db.internal:5432/app", "s3cretpw", "postgres://admin:"),
    ("caf\u00e9 password=hunter2 Bearer abc123def456", "hunter2", "caf\u00e9"),  # non-ASCII path
]


@pytest.mark.parametrize(("text", "secret", "kept"), CASES)
def test_secret_shapes_are_masked(text: str, secret: str, kept: str) -> None:
    redacted = DEFAULT_REDACTOR(text)
    assert secret not in redacted
    assert MASK in redacted or "[REDACTED PRIVATE KEY]" in redacted
    assert kept in redacted


@pytest.mark.parametrize(
    "text",
    [
        "basic authentication enabled for the admin console",
        "token validation failed for request 42",
        "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 matched",
        "request_id=0123456789abcdef0123456789abcdef status=200",
        "Nov 26 12:00:01 host sshd[42]: Failed password for root from 10.0.0.1 port 22 ssh2",
        "AKIA is a prefix, AKIASHORT is not a key id",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert DEFAULT_REDACTOR(text) == text


def test_extra_patterns_are_applied_after_the_built_ins() -> None:
    redactor = Redactor([r"TICKET-\d+", r"(?i)internal-host-\w+"])
    assert redactor("TICKET-42 on Internal-Host-Alpha password=x") == f"{MASK} on {MASK} password={MASK}"
    assert DEFAULT_REDACTOR("TICKET-42") == "TICKET-42"


@settings(max_examples=200, deadline=None)  # no timing verdict on a loaded machine
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60),
    st.sampled_from([c for c in CASES if c[2] != "REDACTED"]),
    st.text(max_size=60),
)
def test_secrets_are_masked_wherever_they_appear(before: str, case: tuple[str, str, str], after: str) -> None:
    text, secret, _ = case
    redacted = DEFAULT_REDACTOR(f"{before} {text} {after}")
    if secret not in before + after:
        assert secret not in redacted


@settings(deadline=None)
@given(st.text(max_size=200))
def test_redaction_is_idempotent_and_total(text: str) -> None:
    once = DEFAULT_REDACTOR(text)
    assert DEFAULT_REDACTOR(once) == once


def test_sudo_working_directory_is_not_mistaken_for_a_password() -> None:
    line = "sudo: bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/sbin/usermod -aG wheel bob"
    assert DEFAULT_REDACTOR(line) == line
    assert DEFAULT_REDACTOR("Server=db;Uid=app;Pwd=hunter2;") == "Server=db;Uid=app;Pwd=[REDACTED];"
