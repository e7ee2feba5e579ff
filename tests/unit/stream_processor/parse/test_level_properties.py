"""Properties of level detection: never raises, always a known level, and a level field wins.

The generator writes lines of each level-field family with a random level in its field and free
text full of contradicting level words (`ERROR`, `[fatal]`, `warning:`, `level=debug`, …).
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.parse import LEVELS, parse_message
from stream_processor.parse.formats import field_level, line_level

# (field as written, our level) per family; a family is a template around the field and the text.
Field = tuple[str, str]
WORDS: list[Field] = [
    ("DEBUG", "DEBUG"),
    ("INFO", "INFO"),
    ("WARN", "WARN"),
    ("ERROR", "ERROR"),
    ("FATAL", "CRITICAL"),
]
PY: list[Field] = [("DEBUG", "DEBUG"), ("INFO", "INFO"), ("WARNING", "WARN"), ("ERROR", "ERROR")]
PY += [("CRITICAL", "CRITICAL")]
LETTERS: list[Field] = [("V", "DEBUG"), ("D", "DEBUG"), ("I", "INFO"), ("W", "WARN"), ("E", "ERROR")]
LETTERS += [("F", "CRITICAL"), ("A", "CRITICAL")]
KLOG: list[Field] = [("I", "INFO"), ("W", "WARN"), ("E", "ERROR"), ("F", "CRITICAL")]
RAILS: list[Field] = [("D", "DEBUG"), ("I", "INFO"), ("W", "WARN"), ("E", "ERROR"), ("F", "CRITICAL")]
LOGRUS: list[Field] = [("DEBU", "DEBUG"), ("INFO", "INFO"), ("WARN", "WARN"), ("ERRO", "ERROR")]
LOGRUS += [("FATA", "CRITICAL"), ("PANI", "CRITICAL")]
DOTNET: list[Field] = [("dbug", "DEBUG"), ("info", "INFO"), ("warn", "WARN"), ("fail", "ERROR")]
DOTNET += [("crit", "CRITICAL"), ("trce", "DEBUG")]
APACHE: list[Field] = [("debug", "DEBUG"), ("info", "INFO"), ("notice", "INFO"), ("warn", "WARN")]
APACHE += [("error", "ERROR"), ("crit", "CRITICAL"), ("alert", "CRITICAL"), ("emerg", "CRITICAL")]
POSTGRES: list[Field] = [("DEBUG1", "DEBUG"), ("LOG", "INFO"), ("NOTICE", "INFO"), ("WARNING", "WARN")]
POSTGRES += [("ERROR", "ERROR"), ("FATAL", "CRITICAL"), ("PANIC", "CRITICAL")]
MYSQL: list[Field] = [("Note", "INFO"), ("System", "INFO"), ("Warning", "WARN"), ("ERROR", "ERROR")]
SEVERITIES = ("CRITICAL", "CRITICAL", "CRITICAL", "ERROR", "WARN", "INFO", "INFO", "DEBUG")
PRI: list[Field] = [
    (str(facility * 8 + n), level) for facility in (0, 4, 23) for n, level in enumerate(SEVERITIES)
]
SERILOG: list[Field] = [("VRB", "DEBUG"), ("DBG", "DEBUG"), ("INF", "INFO"), ("WRN", "WARN")]
SERILOG += [("ERR", "ERROR"), ("FTL", "CRITICAL")]
CBS: list[Field] = [("Info", "INFO"), ("Warning", "WARN"), ("Error", "ERROR")]
BGL: list[Field] = [("INFO", "INFO"), ("WARNING", "WARN"), ("SEVERE", "ERROR"), ("ERROR", "ERROR")]
BGL += [("FATAL", "CRITICAL"), ("FAILURE", "CRITICAL")]
JUL: list[Field] = [("SEVERE", "ERROR"), ("WARNING", "WARN"), ("INFO", "INFO"), ("CONFIG", "DEBUG")]
JUL += [("FINE", "DEBUG"), ("FINER", "DEBUG"), ("FINEST", "DEBUG")]
WINDOWS: list[Field] = [("Critical", "CRITICAL"), ("Error", "ERROR"), ("Warning", "WARN")]
WINDOWS += [("Information", "INFO"), ("Verbose", "DEBUG")]

STAMP = "2026-11-24 10:00:00,123"
FAMILIES: list[tuple[list[Field], Callable[[str, str], str]]] = [
    (WORDS, lambda f, t: f"{STAMP} {f:<5} [main] com.x.Y - {t}"),  # Log4j
    (WORDS, lambda f, t: f"10:00:00.123 [pool-1-thread-2] {f:<5} com.x.Y - {t}"),  # Logback
    (WORDS, lambda f, t: f"2026-11-24T10:00:00.123Z {f:>5} 1234 --- [main] c.x.Y : {t}"),  # Spring Boot
    (WORDS, lambda f, t: f"2026-11-24 10:00:00 {f} [admin] user=bob action=x msg={t!r}"),  # hybrid
    (WORDS, lambda f, t: f"081109 203615 148 {f} dfs.DataNode: {t}"),  # HDFS
    (WORDS, lambda f, t: f"{STAMP} - {f}  [main:QuorumPeer@774] - {t}"),  # ZooKeeper
    (WORDS, lambda f, t: f"2026-11-24T10:00:00.000Z\t{f}\tx/y.go:12\t{t}"),  # zap console
    (PY, lambda f, t: f"{f}:app.module:{t}"),  # Python BASIC_FORMAT
    (PY, lambda f, t: f"{STAMP} - app.module - {f} - {t}"),  # Python asctime - name - level
    (PY, lambda f, t: f"[2026-11-24T10:00:00.000000+00:00] app.{f}: {t}"),  # Monolog
    (SERILOG, lambda f, t: f"[10:00:00 {f}] {t}"),
    (
        WORDS,
        lambda f, t: f"2026-11-24T10:00:00.123Z\tae1a0b2c-1111-2222-3333-444455556666\t{f}\t{t}",
    ),  # Lambda
    (WORDS, lambda f, t: f"[{f}]\t2026-11-24T10:00:00.123Z\t6e1a0b2c-1111-2222-3333-444455556666\t{t}"),
    (KLOG, lambda f, t: f"{f}1125 10:00:00.123456   1234 file.go:12] {t}"),
    (RAILS, lambda f, t: f"{f}, [2026-11-24T10:00:00.000000 #1234] {f}XXXX -- app: {t}"),
    (LOGRUS, lambda f, t: f"{f}[0001] {t}"),
    (DOTNET, lambda f, t: f"{f}: App.Component[0]\n      {t}"),
    (APACHE, lambda f, t: f"2026/11/24 10:00:00 [{f}] 1234#1234: *1 {t}"),  # nginx
    (APACHE, lambda f, t: f"[Sun Nov 24 10:00:00.123 2026] [core:{f}] [pid 1] AH001: {t}"),  # httpd 2.4
    (POSTGRES, lambda f, t: f"2026-11-24 10:00:00.123 UTC [1234] {f}:  {t}"),
    (MYSQL, lambda f, t: f"2026-11-24T10:00:00.123456Z 0 [{f}] [MY-010119] [Server] {t}"),
    (PRI, lambda f, t: f"<{f}>Nov 24 10:00:00 host app[1]: {t}"),  # RFC 3164
    (PRI, lambda f, t: f"<{f}>1 2026-11-24T10:00:00Z host app 1 ID - {t}"),  # RFC 5424
    (LETTERS, lambda f, t: f"11-25 10:00:00.123  1234  5678 {f} Tag: {t}"),  # logcat threadtime
    (LETTERS, lambda f, t: f"{f}/Tag( 1234): {t}"),  # logcat brief
    (CBS, lambda f, t: f"2016-09-28 04:30:30, {f:<21} CBS    {t}"),
    (WINDOWS, lambda f, t: f"{f},11/24/2026 10:00:00 AM,Source,7036,None,{t}"),
    (
        BGL,
        lambda f, t: f"- 1117838570 2005.06.03 R02-M1 2005-06-03-15.42.50.675872 R02-M1 RAS KERNEL {f} {t}",
    ),
    (JUL, lambda f, t: f"Nov 24, 2026 10:00:00 AM com.x.Y run\n{f}: {t}"),
]
# Rails writes the label after the letter: replace the placeholder with the full word.
RAILS_LABELS = {"D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL"}

CONTRADICTIONS = ["ERROR", "[fatal]", "warning:", "level=debug", "CRITICAL", "Exception", "[ERROR]", "panic:"]
free_text = st.lists(
    st.one_of(st.sampled_from(CONTRADICTIONS), st.text(alphabet="abc xyz:=[]-_.0123", max_size=12)),
    max_size=8,
).map(" ".join)


@st.composite
def field_lines(draw: st.DrawFn) -> tuple[str, str]:
    fields, template = draw(st.sampled_from(FAMILIES))
    field, level = draw(st.sampled_from(fields))
    line = template(field, draw(free_text))
    if "XXXX --" in line:
        line = line.replace(f"{field}XXXX", RAILS_LABELS[field], 1)
    return line, level


@settings(max_examples=500, deadline=None)
@given(field_lines())
def test_the_level_field_wins_over_words_in_the_text(case: tuple[str, str]) -> None:
    line, level = case
    assert parse_message(line).level == level, line


FORMAT_PIECES = ["<13>", "<999>", "1 ", "E", "I", "/", "(", " 1234)", ": ", ", [", "] ", "ERRO[", "fail: "]
FORMAT_PIECES += ["2026-11-24", " ", "10:00:00,123", "\t", "[error]", "[core:warn]", "LOG:  ", "- ", "x=1"]
FORMAT_PIECES += ["11-25", "E1125", "Event[0]:\n  Level: ", "Error,1", "Nov 24, 2026", " AM ", "\n", "FINE: "]
FORMAT_PIECES += ["{", '"level":', "[", "]", "-", "é", "\x00", "0" * 30, "[" * 20, " " * 30, "a=" * 10]
format_like = st.lists(st.sampled_from(FORMAT_PIECES) | st.text(max_size=8), max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(format_like)
def test_never_raises_and_always_a_known_level(line: str) -> None:
    parsed = parse_message(line)
    assert parsed.level in LEVELS
    assert line_level(line) in LEVELS
    assert field_level(line) in (*LEVELS, None)


def test_a_long_run_of_pri_prefixes_does_not_recurse() -> None:
    assert parse_message("<11>" * 100_000).level == "ERROR"
