"""Make a security rule cheap to evaluate on a whole batch without changing what it matches.

Two things are derived from a rule's regular expression:

* **needles**: lower-case literal strings one of which every match must contain (from the parsed
  regex: literal runs, small character classes, alternations). A message whose lower-cased text
  holds none of them cannot match, and `str.find` over the batch finds the ones that do.
* **a lower-case form**: the top-level alternatives written under `(?i:...)` are rewritten with
  lower-case literals and searched case-sensitively in the lower-cased message, which the regex
  engine does several times faster than an IGNORECASE search; the other alternatives keep their
  exact case. A message matches iff one of its alternatives matches, so this is the same rule.

Both are used only for ASCII text (where lower-casing is one-to-one); anything unusual in the
pattern (escapes naming characters, other flags) keeps the plain regex, so results never differ.
"""

from __future__ import annotations

import importlib
import itertools
import re
from dataclasses import dataclass
from typing import Any

_MIN_NEEDLE = 3
_MAX_STRINGS = 32
_parser: Any = importlib.import_module("re._parser")  # the stdlib regex parser (private, stable 3.11-3.13)
# Words so frequent in logs that a needle made of them alone finds most messages.
_COMMON = frozenset({'"type"', "user", "error", "info", "name", "type", "request", "status", "message"})
_NAMING_ESCAPES = frozenset("xuUN0123456789")


def _exact(items: Any) -> set[str] | None:
    """The strings a pattern piece matches when it is made of literals only, else None."""
    strings = {""}
    for op, arg in items:
        if op is _parser.AT:
            continue  # zero-width (\b, ^): the literal run stays contiguous
        if op is _parser.LITERAL:
            options = {chr(arg)} if arg < 128 else None
        elif op is _parser.IN:
            chars = [chr(v) for o, v in arg if o is _parser.LITERAL and v < 128]
            options = set(chars) if len(chars) == len(arg) <= 4 else None
        elif op is _parser.SUBPATTERN:
            options = _exact(arg[-1])
        elif op is _parser.BRANCH:
            found = [_exact(branch) for branch in arg[1]]
            options = None if any(f is None for f in found) else set().union(*found)  # type: ignore[arg-type]
        else:
            options = None
        if options is None or len(strings) * len(options) > _MAX_STRINGS:
            return None
        strings = {s + o for s in strings for o in options}
    return strings


def _inner_needles(op: Any, arg: Any) -> frozenset[str] | None:
    if op is _parser.SUBPATTERN:
        return _needles(arg[-1])
    if op is _parser.BRANCH:
        found = [_needles(branch) for branch in arg[1]]
        return None if any(f is None for f in found) else frozenset().union(*found)  # type: ignore[arg-type]
    if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT) and arg[0] >= 1:
        return _needles(arg[2])
    return None


def _needles(items: Any) -> frozenset[str] | None:
    """Lower-case strings one of which every match of the piece contains (None: no such set)."""
    choices: list[frozenset[str]] = []
    run: list[Any] = []
    for op, arg in [*items, (None, None)]:
        if op is not None and _exact([(op, arg)]) is not None:
            run.append((op, arg))
            continue
        exact = _exact(run) if run else None
        if exact and min(map(len, exact)) >= 1:
            choices.append(frozenset(s.lower() for s in exact))
        run = []
        inner = _inner_needles(op, arg)
        if inner:
            choices.append(inner)
    usable = [_fewer(c) for c in choices if min(map(len, c)) >= _MIN_NEEDLE]
    return max(usable, key=_rank) if usable else None


def _rank(choice: frozenset[str]) -> tuple[bool, int, int]:
    """Prefer needles that are not common log words, then the longest shortest needle, then fewer."""
    return (not choice & _COMMON, min(map(len, choice)), -len(choice))


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


def _fewer(choice: frozenset[str]) -> frozenset[str]:
    """Drop needles containing another one; fold needles sharing a 5+ character head into their prefix."""
    by_head: dict[str, list[str]] = {}
    for needle in choice:
        by_head.setdefault(needle[:5], []).append(needle)
    folded = {_common_prefix(group) for group in by_head.values()}
    return frozenset(n for n in folded if not any(o != n and o in n for o in folded))


def needles(pattern: str) -> frozenset[str] | None:
    """Needles of a rule's regex, or None when it has none (then every message is searched)."""
    try:
        return _needles(_parser.parse(pattern))
    except (AttributeError, TypeError, ValueError, IndexError, RecursionError):  # unexpected shapes
        return None


def _structure(source: str) -> list[tuple[int, str, int]]:
    """(index, char, group depth) of every character that is regex syntax: not escaped, not in a class."""
    found: list[tuple[int, str, int]] = []
    depth, index = 0, 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":  # skip the class; a ']' first (after an optional '^') is a literal
            index += 2 if source.startswith("[^", index) else 1
            index += 1 if source[index : index + 1] == "]" else 0
            while index < len(source) and source[index] != "]":
                index += 2 if source[index] == "\\" else 1
            index += 1
            continue
        if char == ")":
            depth -= 1
        found.append((index, char, depth))
        if char == "(":
            depth += 1
        index += 1
    return found


def alternatives(source: str) -> list[str]:
    """The top-level `|` alternatives of a regex source (escapes, classes and groups respected)."""
    cuts = [i for i, char, depth in _structure(source) if char == "|" and depth == 0]
    bounds = [-1, *cuts, len(source)]
    return [source[a + 1 : b] for a, b in itertools.pairwise(bounds)]


def _lower_literals(source: str) -> str | None:
    """`source` with its literal characters lower-cased, or None when that could change its meaning."""
    out: list[str] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            escape = source[index + 1 : index + 2]
            if escape in _NAMING_ESCAPES:
                return None
            out.append(source[index : index + 2])
            index += 2
            continue
        if source.startswith("(?", index) and not source.startswith(("(?:", "(?=", "(?!", "(?<"), index):
            return None  # another flag group (or a named group whose name we would change)
        out.append(char.lower())
        index += 1
    return "".join(out)


def _any_case_body(alternative: str) -> str | None:
    """The body of an alternative written entirely as one `(?i:...)` group, else None."""
    if not alternative.startswith("(?i:"):
        return None
    closing = next((i for i, char, depth in _structure(alternative) if char == ")" and depth == 0), None)
    return alternative[4:-1] if closing == len(alternative) - 1 else None


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_PLAIN_WORD = re.compile(r"\w[\w -]*")
_QUANTIFIERS = ("*", "+", "?", "{")


def _literal_first(alternative: str) -> list[str]:
    """Rewrite `\\bword...` as `w(?<!\\ww)ord...` (the same match), and `\\b(?:one|two)rest` as one such
    alternative per word, so that every alternative starts with a literal: the regex engine then
    jumps between candidate characters at C speed instead of trying every position."""
    if alternative.startswith("\\b(?:"):
        close = next((i for i, c, depth in _structure(alternative) if c == ")" and depth == 0), None)
        if close is not None:
            words, rest = alternatives(alternative[5:close]), alternative[close + 1 :]
            plain = all(_PLAIN_WORD.fullmatch(w) and w[0] in _WORD_CHARS for w in words)
            if plain and rest[:1] not in _QUANTIFIERS:
                return [f"{w[0]}(?<!\\w{w[0]}){w[1:]}{rest}" for w in words]
        return [alternative]
    if alternative[:2] == "\\b" and alternative[2:3] in _WORD_CHARS and alternative[3:4] not in _QUANTIFIERS:
        return [f"{alternative[2]}(?<!\\w{alternative[2]}){alternative[3:]}"]
    return [alternative]


def _compile(parts: list[str]) -> re.Pattern[str] | None:
    if not parts:
        return None
    return re.compile("|".join(rewritten for part in parts for rewritten in _literal_first(part)))


@dataclass(frozen=True, slots=True)
class RuleFilter:
    """How to evaluate one rule fast: needles, and the rule split into lower-case and exact-case parts."""

    needles: frozenset[str] | None
    lower: re.Pattern[str] | None  # searched in the lower-cased message
    exact: re.Pattern[str] | None  # searched in the message as written
    split: bool  # False: only the original pattern is exact

    @classmethod
    def of(cls, source: str) -> RuleFilter:
        lower_parts: list[str] = []
        exact_parts: list[str] = []
        whole = _lower_literals(source[4:]) if source.startswith("(?i)") else None
        if whole is not None:
            lower_parts = alternatives(whole)
        else:
            for alternative in alternatives(source):
                body = _any_case_body(alternative)
                lowered = _lower_literals(body) if body is not None else None
                if lowered is not None:
                    lower_parts.extend(alternatives(lowered))
                else:
                    exact_parts.append(alternative)
        lower, exact = _compile(lower_parts), _compile(exact_parts)
        if lower is None and (exact is None or exact.pattern == source):
            return cls(needles(source), None, None, False)
        return cls(needles(source), lower, exact, True)

    def hit(self, pattern: re.Pattern[str], message: str, lowered: str) -> bool:
        """Whether `pattern` (the rule this filter was made from) matches `message`."""
        if not self.split or not message.isascii():
            return pattern.search(message) is not None
        if self.lower is not None and self.lower.search(lowered) is not None:
            return True
        return self.exact is not None and self.exact.search(message) is not None
