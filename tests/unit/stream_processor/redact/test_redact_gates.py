"""The redactor's one-pass gates (`redactor._Gates`) change nothing: with them, every text redacts
exactly as with the plain checks alone (the gates switched off, as without google-re2).

Texts are built from the words and characters the gates and the steps look for (key words in any
case, token prefixes, user-name keys and suspicious values, options, whitespace Python's `\\s`
knows and RE2's does not), planted secrets, and non-ASCII text (never gated).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from stream_processor.redact import redactor
from stream_processor.redact.secret_shapes import TOKEN_SHAPES
from tests.support.planted_secrets import plant

PREFIXES = sorted({prefix for shape in TOKEN_SHAPES for prefix in shape.prefixes})
WORDS = (
    "BEGIN", "Private-Lines", "://", "https://", "u:p@h", "eyJ", "eyJhbGciOi.eyJzdWIiOi.x", "vault",
    "chpasswd",
    "htpasswd -b f u pw", "mysql -pS3cr3t", "--password", "--password S3cr3t", "--token abc123def",
    " -p", "-", "cookie", "Cookie: ", "Set-Cookie=",
    "AUTHORIZATION", "Authorization: Basic ", "Bearer ", "bearer abcdefgh1234", "PASS", "password=", "Passwd",
    "pwd=/home", "PWD", "token", "Token:", "secret", "SECRET=", "key", "api_key=", "Key", "invalid user ",
    "Invalid user ", "illegal user ", "Illegal user ", "FOR ", "user", "user=", "username: ", 'user":"',
    '\\"user\\":\\"', "ruser=", "User", "UserName=", "USER=", "USERNAME=", "logname=", "principal=",
    "Principal:", "carol", "admin", "P@ss1!", "x9$", "AKIAABCDEFGHIJKLMNOP", "aB3/+" * 8, "[REDACTED]",
)  # fmt: skip
CHARS = (" ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1f", "=", ":", '"', "\\", ",", ";", "&", "'",
         "_", ".", "-", "/", "+", "@", "1", "A", "z", "é", "\x85")  # fmt: skip
STEPS = (  # what the gated steps find, written out in ASCII (upper-cased too: some steps ignore case)
    redactor._KEYED.lower, redactor._COOKIE.lower, redactor._AUTHORIZATION.lower, redactor._BEARER.lower,
    redactor._SSHD_NAME, redactor._KEYED_NAME, redactor._ACCESS_KEY_ID, redactor._JWT,
)  # fmt: skip
matches = st.sampled_from(STEPS).flatmap(
    lambda pattern: st.from_regex(pattern, fullmatch=True, alphabet=st.characters(codec="ascii"))
)
pieces = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(PREFIXES),
    st.sampled_from(CHARS),
    st.text(max_size=3),
    matches,
    matches.map(str.upper),
)
texts = st.lists(pieces, max_size=16).map("".join)


def plain(text: str) -> str:
    """The redaction with every gate open: each step makes its own checks."""
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(redactor, "_gate_search", lambda: None)
        return redactor.Redactor()._redact(text)


@settings(max_examples=3000, deadline=None)
@given(texts)
@example("--password S3cr3t")  # an option opening the text (the commands' gate `^-`)
@example("x ghp_" + "a" * 36 + " user=P@ss1!")  # a token masked first: the later gates are not used
@example("AIPAABCDEFGHIJKLMNOP")  # the last of the access key ids' prefixes
def test_the_gates_change_no_redaction(text: str) -> None:
    assert redactor.Redactor()._redact(text) == plain(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(pieces, max_size=6).map("".join), st.lists(pieces, max_size=6).map("".join))
def test_the_gates_change_no_redaction_around_planted_secrets(before: str, after: str) -> None:
    for planted in plant(3):
        text = before + planted.message + after
        assert redactor.Redactor()._redact(text) == plain(text), planted.shape


def test_the_gates_see_the_whitespace_pythons_pattern_sees() -> None:
    """`_WS` is what `\\s` matches among ASCII characters (the gates are built on it)."""
    ascii_space = "".join(chr(c) for c in range(128) if re.match(r"\s", chr(c)))
    assert ascii_space == "".join(chr(c) for c in range(128) if re.match(f"[{redactor._WS}]", chr(c)))


def _open(text: str) -> list[int]:
    """The gates `_Gates.bits` leaves open for a text, in order."""
    bits = redactor._Gates(text).bits()
    return [gate for gate in range(len(redactor._GATE_PATTERNS)) if bits >> gate & 1]


def test_a_gate_is_closed_only_in_an_ascii_text_without_it() -> None:
    if redactor.engine.re2 is None:
        pytest.skip("google-re2 not installed: no gates, every step checks")
    assert _open("plain words, nothing else") == []
    assert _open("plain wörds") == list(range(len(redactor._GATE_PATTERNS)))  # not ASCII: ungated
    assert _open("password=x") != []


@settings(max_examples=1000, deadline=None)
@given(texts)
def test_the_gate_bits_are_the_gates_found(text: str) -> None:
    """`_Gates.bits` (what `_redact` reads) sets exactly the bits of the gates the pass found, and
    every bit when the text was not scanned (not ASCII, or no google-re2)."""
    gates = redactor._Gates(text)
    if gates.found is None:
        assert not text.isascii() or redactor.engine.re2 is None
        assert _open(text) == list(range(len(redactor._GATE_PATTERNS)))
    else:
        assert _open(text) == sorted(set(gates.found))
    assert gates.encoded is None or gates.encoded == text.encode()
