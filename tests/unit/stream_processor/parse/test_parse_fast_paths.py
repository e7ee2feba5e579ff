"""The parser's shortcuts give exactly what the plain searches they replace give (property tests).

Each shortcut skips work on a necessary condition (a known logfmt key before an `=`, a JSON object
ending in `}`) or searches only where a match can start; a wrong shortcut would change levels,
principals or latencies in every report, so each is compared with the full search on texts built
from the fragments the patterns look for, in any order and with any neighbours.
"""

from __future__ import annotations

import re

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.aggregate.window import Kept, Texts
from stream_processor.parse import fast, formats, textlevel
from stream_processor.parse import message as parse
from stream_processor.parse.formats import FIELD_WORDS
from stream_processor.pipeline import Rules

FRAGMENTS = (
    "for ",
    "for user ",
    "for invalid user ",
    " from ",
    "Invalid user ",
    "invalid user ",
    "xinvalid user ",
    "user=",
    "_user=",
    " : TTY=",
    "root",
    "bob@x",
    "latency",
    "latency_ms",
    "duration",
    "elapsed",
    "took",
    "response time",
    "response_time",
    "response time: 12 ms",
    "response_time=3.5ms",
    "took 40 ms",
    "xtook 40 ms",
    "latency 7 ms",
    "for root from 10.0.0.1",
    "for user alice",
    "Invalid user eve",
    "user=carol",
    "responses",
    " ms",
    "ms",
    "=",
    ": ",
    "12",
    "3.5",
    " ",
    "\n",
    "é",
    "İ",
    "_",
    "x",
    "level=",
    "xlevel=",
    "msg=",
    '"a b"',
    "lvl=",
    "status=",
    "a.level=",
)
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=24).map("".join)


def _same(found: object, expected: object) -> bool:
    if found is None or expected is None:
        return found is expected
    return found.span() == expected.span() and found.groups() == expected.groups()  # type: ignore[attr-defined]


@settings(max_examples=600, deadline=None)
@given(texts)
def test_latency_phrase_is_the_search(text: str) -> None:
    lowered = text.lower()
    assert _same(fast.latency_phrase(lowered), fast.TEXT_LATENCY.search(lowered))


@settings(max_examples=600, deadline=None)
@given(texts)
def test_syslog_user_is_the_search(body: str) -> None:
    found = fast.SYSLOG_USER.search(body)
    assert fast.syslog_user(body) == (next(g for g in found.groups() if g) if found else None)


@settings(max_examples=600, deadline=None)
@given(texts)
def test_logfmt_hint_is_necessary(text: str) -> None:
    """Where the hint finds no known key before an `=`, the logfmt branch would not be taken."""
    if parse._LOGFMT_HINT.search(text, 0, 8192) is None:
        fields = parse._logfmt(text[:8192])
        assert fields is None or parse._LOGFMT_KNOWN.isdisjoint(fields)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
endings = st.text(alphabet=" \t\r\n\x0b\x0c\x1c\x85\xa0\u2028}{]x", max_size=4)


@settings(max_examples=600, deadline=None)
@given(
    st.dictionaries(st.text(max_size=4), json_values, max_size=3), endings, st.sampled_from(["", " ", "\n"])
)
def test_json_objects_are_never_skipped(obj: dict[str, object], ending: str, lead: str) -> None:
    """A line orjson reads as an object ends in `}` once right-stripped; any other line is not one."""
    line = lead + orjson.dumps(obj).decode() + ending
    try:
        is_object = isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        is_object = False
    if is_object:
        assert line.rstrip()[-1:] == "}"
        assert parse.parse_message(line) == parse._from_mapping(orjson.loads(line), line)


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, min_size=1, max_size=4))
def test_signature_then_sample_is_the_sample_alone(lines: list[str]) -> None:
    """An error's signature shares its redaction with the sample; the sample stays what it was."""
    rules = Rules()
    shared, alone = Kept(rules.redact, Texts()), Kept(rules.redact, Texts())
    for line in lines:
        text = line + " password=hunter2 AKIAABCDEFGHIJKLMNOP"
        assert shared.signature(text) == alone.signature(text)
        assert shared.sample(text) == Kept(rules.redact, Texts()).sample(text)


# The colon form of a level word as one plain alternation of look-behinds (what `_COLON` replaced).
PLAIN_COLON = re.compile(":(?:" + "|".join(rf"(?<=\b({w}):)" for w in textlevel._WORDS) + ")", re.IGNORECASE)
level_texts = st.lists(
    st.one_of(
        st.sampled_from([*textlevel._WORDS, *(w.upper() for w in textlevel._WORDS)]),
        st.sampled_from([":", '":', " ", "x", "_"]),
        st.text(max_size=3),
        st.sampled_from(["İ", "ı", "ſ", "K", "ﬀ", "Ω"]),
    ),
    max_size=24,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(level_texts)
def test_level_word_colon_is_the_plain_search(text: str) -> None:
    """`_COLON` tries only the words ending in the character before each `:`; same matches."""
    found, expected = textlevel._COLON.search(text), PLAIN_COLON.search(text)
    if found is None or expected is None:
        assert found is expected
    else:  # the groups are numbered differently; the span and the word found are the same
        assert found.span() == expected.span()
        assert found.group(found.lastindex or 0) == expected.group(expected.lastindex or 0)


def _reference_mapping(obj: dict[str, object], message: str, level: str | None = None) -> parse.Parsed:
    """The field extraction `_from_mapping` inlines, written plainly: the first non-null key wins."""

    def first(keys: tuple[str, ...]) -> object:
        return next((obj[k] for k in keys if obj.get(k) is not None), None)

    if level is None:
        level = parse.normalise_level(first(parse._LEVEL_KEYS))
    text = first(parse._TEXT_KEYS)
    text = text if isinstance(text, str) else message
    latency = first(parse._LATENCY_KEYS)
    return parse.Parsed(
        parse.line_level(text) if level is None else level,
        None if latency is None else parse._latency(latency),
        parse._principal(obj),  # type: ignore[arg-type]
        parse._scalar(first(parse._ACTION_KEYS)),
        parse._scalar(first(parse._STATUS_KEYS)),
        text,
    )


field_keys = st.sampled_from(
    [
        *(*parse._LEVEL_KEYS, *parse._TEXT_KEYS, *parse._LATENCY_KEYS, *parse._PRINCIPAL_KEYS),
        *(*parse._ACTION_KEYS, *parse._STATUS_KEYS, "userIdentity", "other"),
    ]
)
field_values = st.one_of(
    json_values,
    st.sampled_from(["error", " WARN ", "", "x" * 300, "12ms", "1e400", "nan", "INFO", "Warning", "dPanic"]),
    st.sampled_from([200, 404, 0, -1, 2**63 - 1]),
    st.floats(allow_nan=True),
    st.fixed_dictionaries({"arn": json_values}),
)


@settings(max_examples=1500, deadline=None)
@given(st.dictionaries(field_keys, field_values, max_size=8), st.sampled_from([None, "ERROR"]))
def test_from_mapping_is_the_plain_first_key_search(obj: dict[str, object], level: str | None) -> None:
    """`_from_mapping`'s plans and inlined reads give what reading every key in priority order gives."""
    message = "line ERROR text"
    assert parse._from_mapping(obj, message, level) == _reference_mapping(obj, message, level)


def test_word_cores_cover_every_word() -> None:
    """Each level word holds one of the cores `may_name_word` looks for (so none is overlooked)."""
    for words in (textlevel._WORDS, [w.upper() for w in textlevel._WORDS]):
        cores = fast.word_cores(words)
        assert all(any(core in word.lower() for core in cores) for word in words)
    assert set(textlevel._WORD_CORES) <= set(textlevel._WORDS)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(["", "{", '{"', "1"]), st.one_of(level_texts, texts, st.text(max_size=30)))
def test_level_word_test_is_necessary(lead: str, text: str) -> None:
    """Where `may_name_word` finds no level word's core the searches find no word either (ASCII
    text; beyond it both run), so `text_level` may skip them; and it gives what the plain one does."""
    text = lead + text
    if not fast.may_name_word(text, textlevel._WORD_CORES):
        assert text.isascii()
        assert textlevel.level_word(text) is None
    assert textlevel.text_level(text) == plain_text_level(text)


def plain_text_level(message: str) -> str:
    """`text_level` without its shortcuts."""
    head = message[: textlevel.HEAD]
    if head.startswith(textlevel._LAMBDA_PLATFORM):
        return "INFO"
    if "Task timed out" in head:
        return "ERROR"
    level = textlevel.level_word(head)
    if level is not None:
        return level
    trace = textlevel._TRACE_START.match(message) is not None or (
        "\n" in message and textlevel._JAVA_FRAME.search(message, 0, 4000) is not None
    )
    return "ERROR" if trace else "UNKNOWN"


trace_texts = st.lists(
    st.one_of(
        st.sampled_from(["Traceback (most recent call last)", "Traceback", "Error", "Exception"]),
        st.sampled_from(["java", ".", "lang", "Illegal", "_", " ", "\n", ":", "Ⅻ", "é", "١", "\tat a.B$c("]),
        st.text(max_size=3),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(trace_texts)
def test_stack_trace_tests_are_the_match(text: str) -> None:
    """The Traceback header is a `_TRACE_START` match; other texts match only where
    `_may_start_exception_name` says they may."""
    if text.startswith(textlevel._TRACEBACK):
        assert textlevel._TRACE_START.match(text) is not None
    elif not textlevel._may_start_exception_name(text):
        assert textlevel._TRACE_START.match(text) is None
    plain = textlevel._TRACE_START.match(text) is not None or (
        "\n" in text and textlevel._JAVA_FRAME.search(text, 0, 4000) is not None
    )
    assert textlevel.looks_like_stack_trace(text) == plain


header_texts = st.lists(
    st.one_of(
        st.sampled_from([*formats._ALL.split("|"), "note", "system", "LOG", "DEBUG3", "trce", "fail"]),
        st.sampled_from(["ERROR", "Warning", "[info]", "[core:warn]", "app.ERROR", "[12:00:00 INF]", "Note"]),
        st.sampled_from(["2026-11-24", "10:00:00,123", "1.2.3.4", " ", " - ", "\t", ": ", ":  ", "[", "]"]),
        st.sampled_from(["-", "x=1", "a@b", "UTC", "PM", "İ", "ı", "ſ", "K", "x", "."]),
        st.text(max_size=3),
    ),
    max_size=14,
).map("".join)


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(["", "1 ", "2026-11-24 10:00:00 "]), header_texts)
def test_header_test_is_necessary(lead: str, text: str) -> None:
    """Where `_may_have_header_level` says no, `_HEADER` matches nothing (so `_header` is None)."""
    line = lead + text
    if not formats._may_have_header_level(line[: formats._HEADER_LENGTH]):
        assert formats._HEADER.match(line, 0, formats._HEADER_LENGTH) is None


def test_raw_level_forms_are_the_normalised_words() -> None:
    """Each form `_from_mapping` looks up as written names what stripping and lower-casing it names."""
    forms = {form for word in FIELD_WORDS for form in (word, word.upper(), word.capitalize())}
    assert all(parse._RAW_LEVEL_GET(form) == FIELD_WORDS[form.strip().lower()] for form in forms)


# The logfmt pairs as first written: a look-behind first and the quoted value one character a loop.
PLAIN_LOGFMT = re.compile(r"(?<![A-Za-z_])([A-Za-z_][\w.\-]*)=(\"(?:[^\"\\]|\\.)*\"|[^\s\"]*)")
logfmt_texts = st.lists(
    st.one_of(
        st.sampled_from(["level=", "msg=", "a.b-c=", "_x=", "=", '"', '\\"', "\\", "\\\n", "\n", " ", "x"]),
        st.sampled_from(['"a b"', '"a\\"b"', "é=", "İ", "ı=", "1=", "-=", "k=v", "é", "\t"]),
        st.text(max_size=3),
    ),
    max_size=16,
).map("".join)


@settings(max_examples=2000, deadline=None)
@given(logfmt_texts)
def test_logfmt_pairs_are_the_plain_pattern(text: str) -> None:
    """`_LOGFMT` finds the pairs the plain pattern finds, in the same order."""
    assert parse._LOGFMT.findall(text) == PLAIN_LOGFMT.findall(text)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(level_texts, logfmt_texts, st.text(max_size=8)))
def test_leading_level_test_is_necessary(text: str) -> None:
    """A line led by a character outside `_LEADING_FIRST` has no leading level word."""
    if text[:1] not in formats._LEADING_FIRST:
        assert formats._LEADING.match(text) is None
