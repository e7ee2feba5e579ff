"""The redaction patterns: linear by construction, the one-regex token scan pinned to the shapes,
and docs/redaction.md listing exactly the shapes the code has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.parse import anchored
from stream_processor.redact import redactor as redact
from stream_processor.redact import secret_names
from stream_processor.redact.command_secrets import COMMAND_SHAPES, HTPASSWD
from stream_processor.redact.secret_shapes import TOKEN_SHAPES
from tests.support.planted_secrets import plant

DOCS = Path(__file__).resolve().parents[4] / "docs" / "redaction.md"
_QUANTIFIER = re.compile(r"\*|\+|\?|\{(\d*)(,?)(\d*)\}")


def nested_unbounded(pattern: str) -> list[str]:
    """Groups under an unbounded quantifier (`*`, `+`, `{m,}`) that themselves hold a quantifier.

    Those are the shapes of catastrophic backtracking (`(a+)+`); a pattern without them matches in
    time linear in the text (bounded repeats cost a constant factor). Escapes and character
    classes are skipped; lazy/possessive suffixes do not change the verdict.
    """
    found: list[str] = []
    stack: list[tuple[int, bool]] = []  # (start of group, holds a quantifier)
    holds = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
            continue
        if char == "(":
            stack.append((i, holds))
            holds = False
            i += 1
            continue
        if char == ")":
            start, outer = stack.pop()
            quantifier = _QUANTIFIER.match(pattern, i + 1)
            if quantifier and _unbounded(quantifier) and holds:
                found.append(pattern[start : quantifier.end()])
            holds = outer or holds or (quantifier is not None and quantifier.group() != "?")
            i = quantifier.end() if quantifier else i + 1
            continue
        quantifier = _QUANTIFIER.match(pattern, i)
        if quantifier and i > 0 and pattern[i - 1] != "(":
            holds = holds or quantifier.group() != "?"
            i = quantifier.end()
            continue
        i += 1
    return found


def _class_end(pattern: str, i: int) -> int:
    i += 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _unbounded(quantifier: re.Match[str]) -> bool:
    text = quantifier.group()
    return text in ("*", "+") or (
        text.startswith("{") and quantifier.group(2) == "," and not quantifier.group(3)
    )


def _all_patterns() -> dict[str, str]:
    found = {f"token:{s.id}": s.pattern for s in TOKEN_SHAPES}
    found.update({f"command:{s.id}": s.pattern for s in COMMAND_SHAPES})
    found["htpasswd"] = HTPASSWD
    for module in (redact, secret_names):
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found[f"{module.__name__}.{name}"] = value.pattern
            elif isinstance(value, redact._AnyCase):
                found[f"{module.__name__}.{name}"] = value.lower.pattern
    return found


def test_the_checker_flags_nested_quantifiers() -> None:
    assert nested_unbounded(r"(a+)+$") == ["(a+)+"]
    assert nested_unbounded(r"(?:\s+-x)*") == [r"(?:\s+-x)*"]
    assert nested_unbounded(r"(?:[a+]|\\.)*(?:\d-)?(?:-\d{3}){1,4}[(]+") == []


@pytest.mark.parametrize(("name", "pattern"), sorted(_all_patterns().items()))
def test_no_pattern_can_backtrack_catastrophically(name: str, pattern: str) -> None:
    re.compile(pattern)
    assert nested_unbounded(pattern) == [], name


COMMAND_PIECES = st.sampled_from(
    ["mysql", "mariadb-dump", "sshpass", "htpasswd", "curl", "redis-cli", "ldapsearch", "docker login",
     "useradd", "ssh-keygen", "zip", "7z", "vault login", "echo", "chpasswd", "sudo", "mongosh", "openssl",
     "-p", "-P", "-b", "-nb", "-u", "-a", "-w", "-N", "-S", "-U", "--password", "-storepass", "--token",
     "pass:", "user:", "u%", "S3cr3t!x", "file", " ", " ", "  ", "\t", "\n", ";", "|", "'", '"', "="]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(COMMAND_PIECES, max_size=14).map("".join))
def test_command_gating_changes_nothing(text: str) -> None:
    """`_commands` skips shapes by marks and triggers; the plain reading applies every shape."""
    plain = text
    for shape in COMMAND_SHAPES:
        plain = re.sub(shape.pattern, rf"\1{redact.MASK}", plain)
    plain = re.sub(HTPASSWD, redact._htpasswd, plain)
    assert redact._commands(text) == plain


TOKENS = st.sampled_from(TOKEN_SHAPES).flatmap(lambda shape: st.from_regex(shape.pattern, fullmatch=True))
PIECES = st.one_of(TOKENS, st.sampled_from([" ", "_", "-", "=", "/", ".", "x", "A", "0", redact.MASK]))


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=8).map("".join))
def test_the_one_token_regex_leaves_nothing_any_shape_matches(text: str) -> None:
    """`_TOKENS` (one branching regex) against the plain reading: each shape's own regex in turn."""
    masked = redact._TOKENS.sub(redact.MASK, text)
    for shape in TOKEN_SHAPES:
        assert re.search(shape.pattern, masked) is None, (shape.id, masked)
    if any(re.search(shape.pattern, text) for shape in TOKEN_SHAPES):
        assert masked != text


def test_docs_list_exactly_the_shapes_in_the_code() -> None:
    text = DOCS.read_text()
    section = text.split("<!-- redaction-shapes -->")[1]
    documented = re.findall(r"^\| `([A-Za-z0-9:.-]+)` \|", section, re.M)
    assert documented == redact.shape_ids()
    assert f"{len(documented)} shapes: {len(redact.TEXT_SHAPES)} text shapes" in text
    readme = (DOCS.parents[1] / "README.md").read_text()
    assert f"Secrets of the {len(documented)} covered shapes" in readme
    assert f"{len(plant(0))} generated shapes planted" in readme


shape_runs = st.lists(
    st.one_of(
        st.integers(1, 42).map(lambda n: ("aB3/+" * 9)[:n]),
        st.sampled_from(["=", " ", "-", "\n", "é", "/", "+", "Z9"]),
        st.text(max_size=3),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=2000, deadline=None)
@given(shape_runs)
def test_the_secret_key_prefilter_never_hides_a_match(text: str) -> None:
    """Where `_may_hold_secret_key` says no, the 40-character secret-key shape finds nothing."""
    if not redact._may_hold_secret_key(text):
        assert redact._SECRET_KEY_SHAPE.search(text) is None


keyed_texts = st.lists(
    st.one_of(
        st.sampled_from(["password", "passwd", "pwd", "passphrase", "token", "secret", "api_key", "apikey"]),
        st.sampled_from(["access-key", "accesskey", "private_key", "pass", "api", "access", "private"]),
        st.sampled_from(["=", ": ", '\\"', '"', "'", " ", "x", "_1", "\n", "&", ",", "}"]),
        st.text(max_size=3),
    ),
    max_size=14,
).map("".join)


@settings(max_examples=2000, deadline=None)
@given(keyed_texts)
def test_keyed_values_are_found_where_their_key_words_start(text: str) -> None:
    """`_KEYED` tried only at its stems finds exactly what its plain `finditer` finds."""
    lowered = text.lower()
    pattern = redact._KEYED.lower
    found = [(m.span(), m.groups()) for m in anchored.matches(pattern, lowered, redact._KEYED.stems)]
    assert found == [(m.span(), m.groups()) for m in pattern.finditer(lowered)]


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=" \t\n\x0b\x1c\x85\xa0-aZ_1é", max_size=12))
def test_the_option_search_is_the_plain_one(text: str) -> None:
    """`_OPTION` (found from its `-`) finds an option exactly where `\\s--?[A-Za-z]` does."""
    assert (redact._OPTION.search(text) is None) == (re.search(r"\s--?[A-Za-z]", text) is None)


PREFIXES = sorted({prefix for shape in TOKEN_SHAPES for prefix in shape.prefixes})
token_texts = st.lists(
    st.one_of(
        st.sampled_from(PREFIXES),
        st.sampled_from([p[:-1] for p in PREFIXES if len(p) > 2]),
        st.text(alphabet="aZ09_-./=+", min_size=8, max_size=60),
        st.sampled_from(["\ud800", "é", " ", "\n"]),
    ),
    max_size=30,
).map(lambda parts: "x" * 256 + "".join(parts))


@settings(max_examples=1500, deadline=None)
@given(token_texts)
def test_the_token_prefilter_never_hides_a_token(text: str) -> None:
    """Where the RE2 prefix scan finds no token prefix, the token shapes find nothing either."""
    if not redact._may_hold_token(text):
        assert redact._TOKENS.search(text) is None


def test_the_token_prefilter_lets_every_planted_token_through() -> None:
    """Every planted secret a token shape masks is let through by the prefix scan (long lines)."""
    found = 0
    for seed in range(60):
        for planted in plant(seed):
            text = "x " * 128 + planted.message
            if redact._TOKENS.search(text) is not None:
                found += 1
                assert redact._may_hold_token(text), planted.shape
    assert found >= 60


def _plain_may_hold_secret_key(text: str) -> bool:
    """The secret-key prefilter as first written: the padded search over the translated text."""
    if len(text) < 40 or not text.isascii():
        return len(text) >= 40
    return redact._SHAPE_RUN in b" " + text.encode().translate(redact._SHAPE_CHARS) + b" "


@settings(max_examples=2000, deadline=None)
@given(shape_runs)
def test_the_secret_key_prefilter_is_the_padded_search(text: str) -> None:
    """The cheap run-of-40 search first, and the gate pass's bytes, give the plain prefilter's answer."""
    assert redact._may_hold_secret_key(text) == _plain_may_hold_secret_key(text)
    if text.isascii():
        assert redact._may_hold_secret_key(text, text.encode()) == _plain_may_hold_secret_key(text)
