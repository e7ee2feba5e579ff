"""The level of a free-text log line: a level word near its start, Lambda platform lines, timeouts,
stack traces.

A level word counts in three forms, whichever comes first in the first 120 characters:
`[error]` (any case, in brackets), `error:` (any case, a word followed by a colon) and `ERROR`
(upper case, standing alone: not touching a letter, digit, `_`, `.` or `-`). The first and last
forms share one search whose every branch starts with a literal character, and the colon form is
a search for `:` that looks behind it; so ordinary lower-case text is skipped at C speed.
"""

from __future__ import annotations

import re

from .fast import may_name_word, word_cores

LEVEL_WORDS: dict[str, str] = {
    "trace": "DEBUG",
    "debug": "DEBUG",
    "dbg": "DEBUG",
    "verbose": "DEBUG",
    "info": "INFO",
    "information": "INFO",
    "informational": "INFO",
    "notice": "INFO",
    "warn": "WARN",
    "warning": "WARN",
    "error": "ERROR",
    "err": "ERROR",
    "severe": "ERROR",
    "exception": "ERROR",
    "critical": "CRITICAL",
    "crit": "CRITICAL",
    "fatal": "CRITICAL",
    "emerg": "CRITICAL",
    "emergency": "CRITICAL",
    "alert": "CRITICAL",
    "panic": "CRITICAL",
}
HEAD = 120
_WORDS = sorted(LEVEL_WORDS, key=len, reverse=True)
_BRACKET_OR_UPPER = re.compile(
    r"\[\s*(?i:(" + "|".join(_WORDS) + r"))\s*\]|" + "|".join(rf"{w.upper()}(?![\w.-])" for w in _WORDS)
)


def _words_before_colon(words: list[str]) -> re.Pattern[str]:
    """`:` right after a level word: each colon is found at C speed, and only the words ending in
    the character before it are tried (JSON's `":` is turned away after one look-behind)."""
    by_last: dict[str, list[str]] = {}
    for word in words:
        by_last.setdefault(word[-1], []).append(word)
    branches = (
        f"(?<={end}:)(?:" + "|".join(rf"(?<=\b({word}):)" for word in group) + ")"
        for end, group in by_last.items()
    )
    ends = "".join(sorted(by_last))
    return re.compile(f":(?<=[{ends}]:)(?:" + "|".join(branches) + ")", re.IGNORECASE)


_COLON = _words_before_colon(_WORDS)
_TOUCHING = re.compile(r"[\w.-]")
_LAMBDA_PLATFORM = ("START RequestId:", "END RequestId:", "REPORT RequestId:", "INIT_START", "INIT_REPORT")
_WORD_CORES = word_cores(_WORDS)  # every level word contains one: `err` for error, `info` for information
_WORD_TEST_FIRST = frozenset("{0123456789")
_TRACEBACK = "Traceback (most recent call last)"
_TRACE_START = re.compile(r"Traceback \(most recent call last\)|\w+(?:\.\w+)+(?:Exception|Error)\b")
_JAVA_FRAME = re.compile(r"\n\s+at [\w$.<>]+\(")


def _bracket_or_upper(head: str) -> tuple[int, str] | None:
    pos = 0
    while True:
        found = _BRACKET_OR_UPPER.search(head, pos)
        if found is None:
            return None
        start = found.start()
        word = found.group(1)
        if word is None and start and _TOUCHING.match(head, start - 1):
            pos = start + 1  # an upper-case word glued to what precedes it: keep looking
            continue
        return start, LEVEL_WORDS[(word or found.group()).lower()]


def level_word(head: str) -> str | None:
    """The level named by the first level word of `head` (see the module docstring), if any."""
    found = _bracket_or_upper(head)
    colon = _COLON.search(head, 0, found[0] + 40 if found else len(head))
    if colon is not None:
        word = colon.group(colon.lastindex or 0)
        start = colon.start() - len(word)
        if found is None or start < found[0]:
            return LEVEL_WORDS[word.lower()]
    return found[1] if found else None


def _may_start_exception_name(message: str) -> bool:
    """Necessary for `_TRACE_START`'s second branch to match: it starts at a word character (`re`
    tests `\\w` with `str.isalnum`, and `_`) and holds `Exception` or `Error` (its dotted name's
    end). The substring tests run only after the O(1) one."""
    first = message[:1]
    if not (first.isalnum() or first == "_"):
        return False
    return "Exception" in message or "Error" in message


def looks_like_stack_trace(message: str) -> bool:
    """A Python traceback, a Java stack (`\\n    at pkg.Class(`), or a dotted exception name first.

    The cheap tests first (any order gives the same answer): the name's match backtracks through
    it, while a frame's search skips to each newline at C speed."""
    if message.startswith(_TRACEBACK):  # `_TRACE_START`'s first branch
        return True
    if "\n" in message and _JAVA_FRAME.search(message, 0, 4000) is not None:
        return True
    return _may_start_exception_name(message) and _TRACE_START.match(message) is not None


def text_level(message: str) -> str:
    """One of DEBUG INFO WARN ERROR CRITICAL UNKNOWN for a free-text message."""
    head = message[:HEAD]
    if head.startswith(_LAMBDA_PLATFORM):
        return "INFO"
    if "Task timed out" in head:
        return "ERROR"
    # A JSON head (a whole object is the text when it has no message key) has camelCase keys, and a
    # line led by a number (an IP, a time stamp) upper-case tokens (`GET`, `HTTP`, `Nov`): there the
    # upper-case search starts many tries and a test for the words is cheaper (not in prose). All
    # three forms hold a level word (any case): where none is, there is no level word.
    if head[:1] in _WORD_TEST_FIRST and not may_name_word(head, _WORD_CORES):
        level = None
    else:
        level = level_word(head)
    if level is not None:
        return level
    return "ERROR" if looks_like_stack_trace(message) else "UNKNOWN"
