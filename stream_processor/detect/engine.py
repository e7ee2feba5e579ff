"""The pattern engine: which of a set of patterns occur in each text, in linear time.

One engine for security rules and user-configured patterns. With the `google-re2` wheel
(Lambda arm64 and every common platform) a batch's texts each go once through one `re2.Set`
holding every pattern; without it, the pure-Python `fallback.LazyDFA` gives the same answers,
also in linear time, only slower. Either way no pattern can make matching backtrack.

Patterns are RE2 syntax restricted to the subset `syntax` parses (docs/detections.md), and are
checked by both: a configuration that is valid here is valid on every platform.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import compress, count
from types import ModuleType

from . import fallback, syntax

re2: ModuleType | None
try:
    import re2 as _re2
except ImportError:  # pragma: no cover - the fallback is tested by forcing it (see tests)
    re2 = None
else:
    re2 = _re2

BACKEND = "re2" if re2 is not None else "python"
_RE2_MAX_MEM = 16 << 20  # DFA memory of a set (RE2's default is 8 MiB; 64 MiB costs 60 ms to compile)


class PatternError(ValueError):
    """A pattern the engine cannot run; `index` is its position in the list given."""

    def __init__(self, index: int, pattern: str, reason: str) -> None:
        super().__init__(f"pattern {pattern!r}: {reason}")
        self.index = index
        self.reason = reason


def check_pattern(pattern: str) -> str | None:
    """None when the engine can run `pattern`; otherwise why not (for config errors)."""
    try:
        syntax.parse(pattern)
    except syntax.PatternSyntaxError as exc:
        return str(exc)
    except RecursionError:
        return "pattern nested too deeply"
    if re2 is not None:
        try:
            re2.compile(pattern, _options())
        except re2.error as exc:
            return f"RE2 refuses it: {exc}"
    return None


def _options() -> object:
    options = re2.Options()  # type: ignore[union-attr]
    options.never_capture = True
    options.max_mem = _RE2_MAX_MEM
    return options


def _clean(text: str) -> str:
    """What both backends see: lone surrogates (not encodable as UTF-8) become '?'."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _no_search(data: bytes) -> None:
    return None


class PatternSet:
    """Compiled patterns; `match` gives the indices of those occurring in a text (ascending)."""

    __slots__ = ("_dfa", "_search", "_set", "patterns")

    def __init__(self, patterns: Sequence[str], use_re2: bool | None = None, validate: bool = True) -> None:
        """Compile `patterns`; `validate=False` skips the subset check (for patterns already checked,
        such as the built-in rules, which tests check, and configured rules, which config checks)."""
        self.patterns = tuple(patterns)
        self._set: object | None = None
        self._search: Callable[[bytes], list[int] | None] = _no_search
        self._dfa: fallback.LazyDFA | None = None
        if validate:
            for index, pattern in enumerate(self.patterns):
                reason = check_pattern(pattern)
                if reason is not None:
                    raise PatternError(index, pattern, reason)
        if re2 is not None and use_re2 is not False and self.patterns:
            compiled = re2.Set.SearchSet(_options())
            for index, pattern in enumerate(self.patterns):
                try:
                    compiled.Add(pattern)
                except re2.error as exc:
                    raise PatternError(index, pattern, f"RE2 refuses it: {exc}") from None
            compiled.Compile()
            self._set = compiled
            # The binding's own Set.Match, when the wrapper exposes it (its `Match` is one more
            # Python call per text); same answers, a list instead of a list or None.
            self._search = getattr(compiled, "_set", compiled).Match
        elif self.patterns:
            trees = []
            for index, pattern in enumerate(self.patterns):
                try:
                    trees.append(syntax.parse(pattern))
                except (syntax.PatternSyntaxError, RecursionError) as exc:
                    raise PatternError(index, pattern, str(exc)) from None
            self._dfa = fallback.LazyDFA(fallback.compile_program(trees))

    @property
    def backend(self) -> str:
        return "re2" if self._set is not None else "python"

    def match(self, text: str) -> list[int]:
        """Indices of the patterns that occur in `text`, ascending."""
        text = _clean(text)
        if self._set is not None:
            found = self._set.Match(text)  # type: ignore[attr-defined]
            return sorted(found) if found else []
        if self._dfa is not None:
            return fallback.bits(self._dfa.search(text))
        return []

    def match_bytes(self, data: bytes) -> list[int] | None:
        """The indices of the patterns occurring in UTF-8 `data`, in any order (None or [] for none):
        RE2's own call, for a caller that holds the bytes and needs neither cleaning nor sorting.
        Without RE2, None: such a caller falls back to its plain checks."""
        return self._search(data)

    def scan(self, texts: Sequence[str]) -> dict[int, list[int]]:
        """Text index -> indices of the patterns occurring in it (texts with none are left out)."""
        if self._set is None:
            match = self.match
            return {i: found for i, text in enumerate(texts) if (found := match(text))}
        search = self._search
        try:  # the hot loop, in C: UTF-8 bytes straight to RE2
            results = list(map(search, map(str.encode, texts)))
        except UnicodeEncodeError:  # a lone surrogate somewhere: clean each text
            results = [search(_clean(text).encode()) for text in texts]
        return {
            index: found if len(found) == 1 else sorted(found)
            for index, found in zip(compress(count(), results), filter(None, results), strict=True)
        }
