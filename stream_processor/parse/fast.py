"""The parser's speed tricks, each the same as a plain search (tests/unit/stream_processor/parse/
test_parse_fast_paths.py compares every one with the plain version on generated texts).

`latency_phrase` and `syslog_user` are `TEXT_LATENCY.search` and `SYSLOG_USER.search` tried only
where a match can start (anchored.py); `keys_before_equals` builds a cheap necessary condition
for the logfmt branch. The plain code that uses them is message.py.
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
