"""The parser's speed tricks, each the same as a plain search (tests/unit/stream_processor/parse/
test_parse_fast_paths.py compares every one with the plain version on generated texts).

`latency_phrase` and `syslog_user` are `TEXT_LATENCY.search` and `SYSLOG_USER.search` tried only
where a match can start (anchored.py); `keys_before_equals` builds a cheap necessary condition
for the logfmt branch; `may_name_word` one for the level-word searches (textlevel.py, formats.py).
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
_SYSLOG_USER_WORDS = ("for ", "user=")  # where its other branches start (one anchors at 0)


def latency_phrase(lowered: str) -> re.Match[str] | None:
    """`TEXT_LATENCY.search(lowered)`: its matches start where one of its words does."""
    return leftmost(TEXT_LATENCY, lowered, occurrences(lowered, LATENCY_WORDS))


def syslog_user(body: str) -> re.Match[str] | None:
    """`SYSLOG_USER.search(body)`: its branches start at `for `, `user=`, `[Ii]nvalid user `, or
    at 0 (sudo's `name : TTY=`, which needs a ` : `)."""
    starts = occurrences(body, _SYSLOG_USER_WORDS)
    starts += (at for at in occurrences(body, ("nvalid user ",), -1) if at >= 0)
    if " : " in body:
        starts.append(0)
    return leftmost(SYSLOG_USER, body, starts)


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
