"""The pattern engine: generated patterns and texts, every hit compared with a reference matcher.

Patterns are generated as trees and written twice: in the rule syntax (RE2's) and as the Python
`re` pattern with the same meaning (`\\d` -> `[0-9]`, `\\s` -> `[\\t\\n\\f\\r ]`, `$` -> `\\Z`, `\\b`
ASCII). `re.search` of the second is the reference; RE2 and the pure-Python fallback must both
agree with it on every text. Letters whose case folding differs between Python and Unicode
simple folding (dotless i) are compared between the two backends only.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from stream_processor.detect import engine
from stream_processor.detect.engine import PatternError, PatternSet, check_pattern

ALPHABET = "abkKsSz_ 0-.\n\t\x0bé\u00c9\u212a\u017f[]"
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_CLASSES = {"\\d": "0-9", "\\w": "0-9A-Za-z_", "\\s": "\\t\\n\\f\\r "}


def _esc(char: str) -> str:
    if char in _PUNCT:
        return "\\" + char
    return {"\n": "\\n", "\t": "\\t", "\x0b": "\\v"}.get(char, char)


literal = st.sampled_from(ALPHABET).map(lambda c: (_esc(c), _esc(c)))
perl = st.sampled_from(sorted(_CLASSES)).map(lambda c: (c, f"[{_CLASSES[c]}]"))
dot = st.just((".", "."))
item = st.one_of(
    st.sampled_from(ALPHABET).map(lambda c: (_esc(c), _esc(c))),
    st.sampled_from(["A-z", "Z-a", "a-k", "0-9", "S-s"]).map(lambda r: (r, r)),
    st.sampled_from(sorted(_CLASSES)).map(lambda c: (c, _CLASSES[c])),
)
bracket = st.tuples(st.booleans(), st.lists(item, min_size=1, max_size=3)).map(
    lambda t: (
        f"[{'^' if t[0] else ''}{''.join(a for a, _ in t[1])}]",
        f"[{'^' if t[0] else ''}{''.join(b for _, b in t[1])}]",
    )
)
_W = "[0-9A-Za-z_]"
_BOUNDARY = f"(?-i:(?<={_W})(?!{_W})|(?<!{_W})(?={_W}))"
_END = "<END>"  # `$`: Python's `\\Z`, or its `$` under (?m) (both then mean end of line)
anchor = st.sampled_from([("^", "^"), ("$", _END), ("\\b", _BOUNDARY)])
atoms = st.one_of(literal, literal, perl, dot, bracket, anchor)


def _extend(inner: st.SearchStrategy[tuple[str, str]]) -> st.SearchStrategy[tuple[str, str]]:
    pair = st.tuples(inner, inner)
    quantifier = st.sampled_from(["*", "+", "?", "{2}", "{1,3}", "{0,}", "*?"])
    return st.one_of(
        pair.map(lambda p: (p[0][0] + p[1][0], p[0][1] + p[1][1])),
        pair.map(lambda p: (f"(?:{p[0][0]}|{p[1][0]})", f"(?:{p[0][1]}|{p[1][1]})")),
        st.tuples(inner, quantifier).map(lambda p: (f"(?:{p[0][0]}){p[1]}", f"(?:{p[0][1]}){p[1]}")),
        inner.map(lambda p: (f"(?i:{p[0]})", f"(?i:{p[1]})")),
        inner.map(lambda p: (f"({p[0]})", f"({p[1]})")),
    )


patterns = st.recursive(atoms, _extend, max_leaves=6)
texts = st.text(alphabet=ALPHABET + "AZ", max_size=12)
multiline = st.sampled_from(["", "(?m)", "(?s)", "(?i)", "(?is)"])


def _reference(flags: str, python: str) -> re.Pattern[str]:
    return re.compile(flags + python.replace(_END, "$" if "m" in flags else "\\Z"))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(multiline, patterns), min_size=1, max_size=4), st.lists(texts, max_size=6))
def test_every_hit_equals_the_reference(rules: list[tuple[str, tuple[str, str]]], batch: list[str]) -> None:
    sources = [flags + pair[0] for flags, pair in rules]
    assume(all(check_pattern(source) is None for source in sources))  # e.g. `(?:^)*` is not in the subset
    references = [_reference(flags, pair[1]) for flags, pair in rules]
    expected = {
        i: found
        for i, text in enumerate(batch)
        if (found := [k for k, r in enumerate(references) if r.search(text)])
    }
    assert PatternSet(sources, use_re2=False).scan(batch) == expected
    if engine.re2 is not None:
        assert PatternSet(sources, use_re2=True).scan(batch) == expected


UNICODE = "iIı\u0130kK\u212asSſßẞσςΣµμΩωΩÅåǅǆǄ"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet=UNICODE, min_size=1, max_size=2), min_size=1, max_size=3),
    st.lists(st.text(alphabet=UNICODE, max_size=4), max_size=6),
    st.booleans(),
)
def test_case_folding_of_the_fallback_equals_re2(words: list[str], batch: list[str], bracketed: bool) -> None:
    if engine.re2 is None:
        pytest.skip("google-re2 not installed")
    sources = [f"(?i)[{w}]x?" if bracketed else f"(?i){w}" for w in words]
    assert PatternSet(sources, use_re2=False).scan(batch) == PatternSet(sources, use_re2=True).scan(batch)


@pytest.mark.parametrize("use_re2", [False, True])
def test_the_cases_the_old_rewriting_got_wrong(use_re2: bool) -> None:
    if use_re2 and engine.re2 is None:
        pytest.skip("google-re2 not installed")
    found = PatternSet([r"(?i)user[A-z]name", r"(?i)[Z-a]x"], use_re2=use_re2)
    assert found.match("user_name") == [0]
    assert found.match("USER_NAME") == [0]
    assert found.match("_x ZX") == [1]  # '_' is between 'Z' and 'a'; folded, 'z' is in the class too
    assert found.match("ux") == []


@pytest.mark.parametrize("use_re2", [False, True])
def test_a_pathological_pattern_runs_in_linear_time(use_re2: bool) -> None:
    if use_re2 and engine.re2 is None:
        pytest.skip("google-re2 not installed")
    found = PatternSet([r"(a+)+$", r"(x+x+)+y", r"(a|aa)*c"], use_re2=use_re2)
    assert found.match("a" * 5000 + "!") == []  # backtracking would take longer than the universe
    assert found.match("x" * 5000) == []
    assert found.match("a" * 30) == [0]


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a)\1",
        r"(?=x)",
        r"(?<!x)y",
        r"\p{L}",
        r"[[:alpha:]]",
        r"a{1001}",
        r"a**",
        r"(?x)a",
        r"x{,2}",
        r"\Z",
        "[a",
        "(a",
    ],
)
def test_what_the_engine_cannot_run_is_refused_with_a_reason(pattern: str) -> None:
    assert check_pattern(pattern) is not None
    with pytest.raises(PatternError) as caught:
        PatternSet(["ok", pattern])
    assert caught.value.index == 1


def test_lone_surrogates_are_matched_as_question_marks_by_both_backends() -> None:
    for use_re2 in (False, True) if engine.re2 is not None else (False,):
        assert PatternSet([r"a\?b", "a.b"], use_re2=use_re2).match("a\ud800b") == [0, 1]
