"""Error signatures: a message with its variable parts masked, so equal errors group together."""

from __future__ import annotations

import re
from collections.abc import Callable

SIGNATURE_LENGTH = 200
_SCAN_LENGTH = 2000

_QUOTED = r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"
_UUID = r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
_EMAIL = r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"
_TIMESTAMP = (  # ISO-8601 date-times and bare clock times are one variable part, not six
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
)
_REST = (
    r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"  # ipv4[:port]
    r"|\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]*\d[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\b"  # hex
    r"|\b[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\d[0-9a-fA-F]*\b"
    r"|[-+]?\d+(?:\.\d+)?"  # numbers
)
_MASKS = re.compile(f"{_QUOTED}|{_UUID}|{_TIMESTAMP}|{_EMAIL}|{_REST}")
# Without '@' the e-mail branch cannot match, and it is the costly one (it backtracks over words).
_MASKS_NO_EMAIL = re.compile(f"{_QUOTED}|{_UUID}|{_TIMESTAMP}|{_REST}")

# The same searches, written so Python's engine skips most positions at C speed. Most branches
# above open with `\b`, so the engine has no first character to look for and tries every branch
# at every position (about 1,200 instructions a character). Below, the first character of every
# match is consumed by one leading class, and each branch goes on from the second character after
# a look-behind that re-checks the first (and the `\b` before it): the same branches in the same
# order, with the same backtracking order (a greedy `x+` becomes `x` then `x*`; a greedy `x*`
# before `y` becomes "x, then x*" or "y", in that order). Quoted strings are possessive: a quote
# can only be closed by an unescaped quote, which neither alternative consumes, so giving back
# never finds another end. Pinned by test_signature.py against the plain patterns.
_H = "[0-9a-fA-F]"
_QUOTED_AFTER = r"(?<=\")(?:[^\"\\]++|\\.)*+\"|(?<=')(?:[^'\\]++|\\.)*+'"
_UUID_AFTER = rf"(?<=\b{_H}){_H}{{7}}-{_H}{{4}}-{_H}{{4}}-{_H}{{4}}-{_H}{{12}}\b"
_TIMESTAMP_AFTER = (
    r"(?<=\b\d)\d{3}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|(?<=\b\d)\d:\d{2}:\d{2}(?:[.,]\d+)?\b"
)
_EMAIL_AFTER = r"(?<=\b[\w.+-])[\w.+-]*@[\w-]+(?:\.[\w-]+)+\b"
_REST_AFTER = (  # every branch but the numbers' starts a word: one look-behind turns them all away
    r"(?<=\b\d)\d{0,2}(?:\.\d{1,3}){3}(?::\d+)?\b"
    r"|(?<=\b0)x[0-9a-fA-F]+\b"
    rf"|(?<=\b{_H}){_H}*\d{_H}*[a-fA-F]{_H}*\b|(?<=\b\d){_H}*[a-fA-F]{_H}*\b"
    rf"|(?<=\b{_H}){_H}*[a-fA-F]{_H}*\d{_H}*\b|(?<=\b[a-fA-F]){_H}*\d{_H}*\b"
)
_NUMBER_AFTER = r"(?<=[-+])\d+(?:\.\d+)?|(?<=\d)\d*(?:\.\d+)?"


def _fast(first: str, *at_word_start: str, flags: int = 0) -> re.Pattern[str]:
    words = "|".join(at_word_start)
    return re.compile(rf"{first}(?:{_QUOTED_AFTER}|(?<=\b.)(?:{words})|{_NUMBER_AFTER})", flags)


_MASKS_FAST = _fast(r"[-+\"'.\w]", _UUID_AFTER, _TIMESTAMP_AFTER, _EMAIL_AFTER, _REST_AFTER)
_MASKS_NO_EMAIL_FAST = _fast(r"[-+\"'0-9a-fA-F\d]", _UUID_AFTER, _TIMESTAMP_AFTER, _REST_AFTER)
# On ASCII text `\d`, `\w` and `\b` mean the same with re.ASCII, which tests them with a table
# instead of Unicode look-ups (four function calls for every `\b`).
_MASKS_ASCII = _fast(r"[-+\"'.\w]", _UUID_AFTER, _TIMESTAMP_AFTER, _EMAIL_AFTER, _REST_AFTER, flags=re.A)
_MASKS_NO_EMAIL_ASCII = _fast(r"[-+\"'0-9a-fA-F]", _UUID_AFTER, _TIMESTAMP_AFTER, _REST_AFTER, flags=re.A)
_SPACES = re.compile(r"\s+")


def headline(message: str) -> str:
    """The line that names an error: the last line of a Python traceback, else the first line."""
    text = message.strip()
    if text.startswith("Traceback (most recent call last)"):
        lines = [line for line in text.splitlines() if line.strip()]
        return lines[-1].strip() if lines else text
    return text.split("\n", 1)[0]


def signature_line(message: str) -> str:
    """The part of a message its signature is made of (before redaction)."""
    return headline(message)[:_SCAN_LENGTH]


def error_signature(message: str, redact: Callable[[str], str]) -> str:
    """Redact, mask variable parts as `<*>`, collapse whitespace, truncate."""
    return masked_signature(redact(signature_line(message)))


def masked_signature(line: str) -> str:
    """The signature of an already redacted `signature_line`: variable parts masked, truncated."""
    if line.isascii():
        masks = _MASKS_ASCII if "@" in line else _MASKS_NO_EMAIL_ASCII
    else:
        masks = _MASKS_FAST if "@" in line else _MASKS_NO_EMAIL_FAST
    masked = _SPACES.sub(" ", masks.sub("<*>", line)).strip()
    return masked[:SIGNATURE_LENGTH] or "<empty>"
