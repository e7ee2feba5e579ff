"""Regex searches tried only where a match can start: the places a literal word occurs.

Python's `re` skips text quickly only when a pattern starts with one literal character; a pattern
that starts with an alternation or a class tries every position. When every match of a pattern
starts with one of a few literal words, `str.find` (C speed) finds those places and the pattern
is tried there alone, anchored: the same matches as the plain search (a match at a position sees
the text before it, so `\\b` and look-behinds behave as in a search).
"""

from __future__ import annotations

import re
from collections.abc import Iterator


def occurrences(text: str, words: tuple[str, ...], offset: int = 0) -> list[int]:
    """Every position where one of `words` starts in `text`, plus `offset`."""
    found = []
    for word in words:
        at = text.find(word)
        while at >= 0:
            found.append(at + offset)
            at = text.find(word, at + 1)
    return found


def leftmost(pattern: re.Pattern[str], text: str, starts: list[int]) -> re.Match[str] | None:
    """`pattern.search(text)` when every match of `pattern` starts at one of `starts`."""
    for start in sorted(set(starts)) if len(starts) > 1 else starts:
        found = pattern.match(text, start)
        if found is not None:
            return found
    return None


def matches(pattern: re.Pattern[str], text: str, words: tuple[str, ...]) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` when every match is non-empty and starts where one of `words` does."""
    end = 0
    for start in sorted(set(occurrences(text, words))):
        if start >= end:
            found = pattern.match(text, start)
            if found is not None:
                yield found
                end = found.end()
