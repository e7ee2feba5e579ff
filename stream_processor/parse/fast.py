"""The parser's speed tricks, each the same as a plain search (tests/unit/stream_processor/parse/
test_parse_fast_paths.py compares every one with the plain version on generated texts).

`latency_phrase` is `TEXT_LATENCY.search` tried only where a match can start (anchored.py),
`syslog_user` the user `SYSLOG_USER.search` finds, searched with literal-led branches;
`keys_before_equals` builds a cheap necessary condition for the logfmt branch, `may_name_word` one
for the level-word searches (textlevel.py, formats.py).
The plain code that uses them is message.py.
"""

from __future__ import annotations

import re

from .anchored import leftmost, occurrences

TEXT_LATENCY = re.compile(
    r"\b(?:latency|duration|elapsed|took|response[_ ]time)\b[=: ]*([0-9]+(?:\.[0-9]+)?)\s*ms\b"
)
LATENCY_WORDS = ("latency", "duration", "elapsed", "took", "response")  # where TEXT_LATENCY starts

SYSLOG_USER = re.compile(
    r"\bfor (?:invalid user |illegal user |user )?([^\s;,()\[\]]+) from\b|\bfor user ([^\s;,()\[\]]+)"
    r"|\b[Ii]nvalid user ([^\s;,()\[\]]+)|\buser=([^\s;,()\[\]]+)|^\s*([\w.@-]+) : (?:TTY|PWD|USER|COMMAND)="
)
# SYSLOG_USER's branches but the one anchored at 0 (sudo's), each led by its literal first letter
# (the `\b` before it, a word character, is the look-behind `(?<!\wX)` after it): `re` then skips
# to those letters at C speed instead of trying every position.
_NAME = r"([^\s;,()\[\]]+)"
_SYSLOG_USER_UNANCHORED = re.compile(
    rf"f(?<!\wf)or (?:invalid user |illegal user |user )?{_NAME} from\b|f(?<!\wf)or user {_NAME}"
    rf"|I(?<!\wI)nvalid user {_NAME}|i(?<!\wi)nvalid user {_NAME}|u(?<!\wu)ser={_NAME}"
)


def latency_phrase(lowered: str) -> re.Match[str] | None:
    """`TEXT_LATENCY.search(lowered)`: its matches start where one of its words does."""
    return leftmost(TEXT_LATENCY, lowered, occurrences(lowered, LATENCY_WORDS))


def syslog_user(body: str) -> str | None:
    """The user `SYSLOG_USER.search(body)` names (its one matched group). Its sudo branch needs
    ` : ` and matches at 0 alone: with it, every branch is tried at 0, then the others from 1."""
    if " : " in body:
        found = SYSLOG_USER.match(body) or _SYSLOG_USER_UNANCHORED.search(body, 1)
    else:
        found = _SYSLOG_USER_UNANCHORED.search(body)
    return None if found is None else found.group(found.lastindex or 0)


def keys_before_equals(keys: frozenset[str]) -> re.Pattern[str]:
    """A cheap necessary condition for the logfmt branch: one of `keys` right before an `=`.

    Each `=` is found at C speed, then only the look-behinds of keys ending in the character
    before it are tried (a line of unknown pairs is turned away without building its dict)."""
    by_ending: dict[str, list[str]] = {}
    for key in sorted(keys):
        by_ending.setdefault(key[-1], []).append(key)
    branches = (
        f"(?<={re.escape(end)}=)(?:" + "|".join(f"(?<={re.escape(key)}=)" for key in group) + ")"
        for end, group in by_ending.items()
    )
    return re.compile("=(?:" + "|".join(branches) + ")")


def word_cores(words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The words (lower case) not containing another of them: text holding none of these holds none
    of `words`."""
    lowered = sorted({word.lower() for word in words}, key=lambda word: (len(word), word))
    cores: list[str] = []
    for word in lowered:
        if not any(core in word for core in cores):
            cores.append(word)
    return tuple(cores)


def may_name_word(text: str, cores: tuple[str, ...]) -> bool:
    """False only when no word containing one of `cores` (any case) can occur in `text`.

    Lets a case-insensitive search for level words be skipped: on ASCII text `re`'s IGNORECASE
    matches exactly the letters `str.lower` maps alike, position for position, so a match at
    `p` puts its lower-case word at `p` of `text.lower()`. Beyond ASCII `re` also folds `ſ`, `K`,
    `ı`, `İ` (and `lower` may change lengths): no proof, so True.
    """
    if not text.isascii():
        return True
    lowered = text.lower()
    # a loop, not any(): no generator per call on the hot path; each test a C-speed substring search
    for core in cores:  # noqa: SIM110
        if core in lowered:
            return True
    return False
