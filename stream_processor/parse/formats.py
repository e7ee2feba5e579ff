"""The level a log line's own format records, read from the place that format keeps it.

A format with a level field (Log4j's `%p`, logcat's priority letter, syslog's PRI…) says how
severe the event is; the free text after it only says what happened, so a word like "error" in
the text of an INFO line must not count. `field_level` recognises the common families with one
dispatch on the first characters (each branch an anchored regex, so a line that is not of the
family fails within a few characters) and returns None when no family fits; `text_level` then
looks for a level word in the text (textlevel.py). docs/processor.md has the table of families.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .fast import may_name_word, word_cores
from .textlevel import LEVEL_WORDS, text_level

# Words a level *field* may hold: the free-text words plus those only formats use. The digits of
# PostgreSQL's DEBUG1-5 and Apache's trace1-8 are dropped before the look-up.
FIELD_WORDS: dict[str, str] = {
    **LEVEL_WORDS,
    "trc": "DEBUG",  # zerolog / Serilog short forms
    "vrb": "DEBUG",
    "inf": "INFO",
    "wrn": "WARN",
    "ftl": "CRITICAL",
    "pnc": "CRITICAL",
    "dpanic": "CRITICAL",  # zap
    "note": "INFO",  # MySQL [Note], [System]
    "system": "INFO",
    "log": "INFO",  # PostgreSQL LOG:; its secondary lines carry no severity of their own
    "detail": "UNKNOWN",
    "hint": "UNKNOWN",
    "context": "UNKNOWN",
    "statement": "UNKNOWN",
    "query": "UNKNOWN",
    "location": "UNKNOWN",
    "trce": "DEBUG",  # .NET console
    "dbug": "DEBUG",
    "fail": "ERROR",
}
_ALL = "|".join(
    sorted(LEVEL_WORDS.keys() | {"trc", "vrb", "inf", "wrn", "ftl", "pnc", "dpanic"}, key=len)[::-1]
)

# Timestamp-first formats: tokens that cannot be free text (numbers, dates, times, `[...]`, `-`,
# time zones, `key=value`, a logger name followed by ` - `), then the level field. Each token is
# an atomic group and the quantifiers are possessive, so a line that does not fit fails in time
# linear in its header instead of trying every way of cutting it into tokens.
_HEADER = re.compile(
    r"(?:(?>\d[\w\-/:.,+@]*+|\[[^\[\]\n]{0,100}\]:?|-{1,3}|\||UTC|GMT|[AP]M|[A-Z]{1,3}[SD]?T"
    r"|[\w.]+=[^\s\"\[\]]*+|[\w.\-]*@[\w.\-]*+|[\w.\-]+(?= - )|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})"
    r"[ \t]++){1,12}?"
    r"(?:\[\s*(?:[\w-]+:)?(?i:(" + _ALL + r"|note|system)|(trace|debug)[1-8])\s*\]"  # [error] [core:warn]
    r"|(?=[A-Z])(?i:(" + _ALL + r"))(?=[\s:\]|,]|$)"  # ERROR, Error, WARNING:
    r"|[\w-]+\.(" + _ALL.upper() + r"): "  # Monolog (PHP, Laravel): `[time] channel.LEVEL: msg`
    r"|(LOG|DETAIL|HINT|CONTEXT|STATEMENT|QUERY|LOCATION|DEBUG[1-5]):  "  # PostgreSQL
    r"|(trce|dbug|info|warn|fail|crit): "  # .NET console with a timestamp
    r"|(?<=\t)(debug|info|warn|error|dpanic|panic|fatal)\t)"  # zap console, lower-case encoder
)
# A level word first: upper case standing alone (`ERROR x`, `INFO:root:x`) or any case with a colon.
_LEADING = re.compile(r"(?:(" + _ALL.upper() + r")(?=[\s:\]|,]|$)|(?i:(" + _ALL + r")):)")
# What `_LEADING` can start with: a word's first letter in either case, and the letters `re`'s
# IGNORECASE also takes for `i` and `s` (`İ` `ı` `ſ`); a line led by another never matches.
_LEADING_FIRST = frozenset(
    {*(word[0] for word in _ALL.split("|")), *(word[0] for word in _ALL.upper().split("|")), "İ", "ı", "ſ"}
)
# A bracketed level at the very start: `[ERROR] msg`, `[core:error] msg`.
_BRACKET_FIRST = re.compile(r"\[\s*(?:[\w-]+:)?(?i:(" + _ALL + r"|note|system)|(trace|debug)[1-8])\s*\]")
# Serilog's console default `[HH:mm:ss LVL] msg` (VRB DBG INF WRN ERR FTL).
_SERILOG = re.compile(r"\[\d\d:\d\d:\d\d(?:\.\d+)? (VRB|DBG|INF|WRN|ERR|FTL)\] ")
# Android logcat: threadtime (`MM-DD hh:mm:ss.mmm  pid  tid P Tag: msg`, optional year and uid),
# time (`MM-DD hh:mm:ss.mmm P/Tag( pid): msg`) and long (`[ MM-DD … pid: tid P/Tag ]`).
_LOGCAT_STAMPED = re.compile(
    r"(?:\[ )?(?:\d{4}-)?\d\d-\d\d \d\d:\d\d:\d\d\.\d{3,6} +"
    r"(?:(?:[a-z]\w* +)?\d+:? +\d+ +([VDIWEFA])[ /]|([VDIWEFA])/)"
)
# logcat brief `E/Tag( 1234): msg`, tag `E/Tag: msg`, process `E( 1234) msg (Tag)`.
_LOGCAT_BARE = re.compile(r"[VDIWEFA](?:/[^\s:(]++(?: *\( *\d+\))?: |\( *\d+\) )")
_LOGCAT = {
    "V": "DEBUG",
    "D": "DEBUG",
    "I": "INFO",
    "W": "WARN",
    "E": "ERROR",
    "F": "CRITICAL",
    "A": "CRITICAL",
}
# klog/glog: `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg` (glog may add the year: Lyyyymmdd).
_KLOG = re.compile(r"[IWEF]\d{4}(?:\d{4})? \d\d:\d\d:\d\d\.\d{6} +\d+ [^\]\n]{1,200}\] ")
_KLOG_LEVELS = {"I": "INFO", "W": "WARN", "E": "ERROR", "F": "CRITICAL"}
# Ruby Logger / Rails: `E, [2026-11-24T10:00:00.000000 #1234] ERROR -- progname: msg`.
_RAILS = re.compile(r"[DIWEFA], \[[^\]\n]{1,60}\] +[A-Z]+ -- ")
_RAILS_LEVELS = {"D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "CRITICAL", "A": "UNKNOWN"}
# logrus text formatter: `ERRO[0001] msg` (4-letter level, then the time in brackets).
_LOGRUS = {"TRAC": "DEBUG", "DEBU": "DEBUG", "INFO": "INFO", "WARN": "WARN", "ERRO": "ERROR"}
_LOGRUS.update(FATA="CRITICAL", PANI="CRITICAL")
_DOTNET = {
    "trce": "DEBUG",
    "dbug": "DEBUG",
    "info": "INFO",
    "warn": "WARN",
    "fail": "ERROR",
    "crit": "CRITICAL",
}
# BGL (Blue Gene/L RAS): label, epoch, date, node, time, node, type, component, then the level.
_BGL = re.compile(
    r"\S+ \d{10} \d{4}\.\d\d\.\d\d \S+ \d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d\.\d{6} \S+ \S+ \S+ ([A-Z]+) "
)
_BGL_LEVELS = {"INFO": "INFO", "WARNING": "WARN", "SEVERE": "ERROR", "ERROR": "ERROR"}
_BGL_LEVELS.update(FATAL="CRITICAL", FAILURE="CRITICAL")
# java.util.logging SimpleFormatter: `Nov 24, 2026 10:00:00 AM com.x.Y method\nSEVERE: msg`.
_JUL = re.compile(r"[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d\d:\d\d [AP]M [^\n]*\n([A-Z]+): ")
_JUL_ALONE = re.compile(r"(?:CONFIG|FINEST|FINER|FINE): ")  # its second line as an event of its own
_JUL_LEVELS = {"SEVERE": "ERROR", "WARNING": "WARN", "INFO": "INFO", "CONFIG": "DEBUG"}
_JUL_LEVELS.update(FINE="DEBUG", FINER="DEBUG", FINEST="DEBUG")
# Windows: Event Viewer CSV (`Error,11/24/2026 10:00:00 AM,Source,…`), wevtutil text (`Level: X`).
_WINDOWS_CSV = re.compile(r"(Critical|Error|Warning|Information|Verbose),\d{1,4}[/.-]\d")
_WINDOWS_LEVELS = {"critical": "CRITICAL", "error": "ERROR", "warning": "WARN", "information": "INFO"}
_WINDOWS_LEVELS["verbose"] = "DEBUG"
_WEVTUTIL_LEVEL = re.compile(r"\n\s*Level: (\w+)")
# syslog PRI (RFC 3164 and 5424): severity = PRI % 8.
_PRI = re.compile(r"<(\d{1,3})>")
_SEVERITIES = ("CRITICAL", "CRITICAL", "CRITICAL", "ERROR", "WARN", "INFO", "INFO", "DEBUG")


def syslog_priority(line: str) -> tuple[str, int] | None:
    """(level, length of the `<PRI>` prefix) for a line that starts with a valid syslog PRI."""
    found = _PRI.match(line)
    if found is None or int(found.group(1)) > 191:
        return None
    return _SEVERITIES[int(found.group(1)) % 8], found.end()


# Every level field `_HEADER` reads holds one of these words (any case) or ends in `: ` (PostgreSQL,
# .NET, Monolog) or follows a tab (zap): a header without them has no level field (fast.py).
_HEADER_CORES = word_cores([*_ALL.split("|"), "note", "system"])
_HEADER_LENGTH = 400


def _may_have_header_level(head: str) -> bool:
    """Necessary for a `_HEADER` match in `head`; cheaper than the match that fails (an access log)."""
    return ": " in head or "\t" in head or may_name_word(head, _HEADER_CORES)


def _header(line: str) -> str | None:
    if not _may_have_header_level(line[:_HEADER_LENGTH]):
        return None
    found = _HEADER.match(line, 0, _HEADER_LENGTH)
    if found is None:
        return None
    group = found.lastindex or 0
    word = found.group(group)
    if group == 3 and not word.isupper() and ":" not in line[: found.start(3)]:
        return None  # `Error`, `Critical` count after a time of day, not after a bare number
    return FIELD_WORDS[word.lower().rstrip("12345678")]


def _stamped(line: str) -> str | None:
    """Timestamp first: logcat with a time stamp, else a header of tokens and then the level."""
    if line[2:3] == "-" or line[4:5] == "-" or line[:2] == "[ ":
        found = _LOGCAT_STAMPED.match(line)
        if found is not None:
            return _LOGCAT[found.group(1) or found.group(2)]
    return _header(line)


def _bracketed(line: str) -> str | None:
    found = _BRACKET_FIRST.match(line) or _SERILOG.match(line)
    if found is not None:
        return FIELD_WORDS[found.group(found.lastindex or 0).lower()]
    return _stamped(line)


def _priority(line: str) -> str | None:
    priority = syslog_priority(line)
    return priority[0] if priority else None


def _bgl(line: str) -> str | None:
    found = _BGL.match(line)
    return _BGL_LEVELS.get(found.group(1)) if found else None


def _jul(line: str) -> str | None:
    found = _JUL.match(line)
    return _JUL_LEVELS.get(found.group(1), "UNKNOWN") if found else None


def _jul_alone(line: str) -> str | None:
    return "DEBUG" if _JUL_ALONE.match(line) else None  # SEVERE: INFO: WARNING: are level words


def _logcat(line: str) -> str | None:
    return _LOGCAT[line[0]] if _LOGCAT_BARE.match(line) else None


def _klog(line: str) -> str | None:
    return _KLOG_LEVELS[line[0]] if _KLOG.match(line) else None


def _rails(line: str) -> str | None:
    return _RAILS_LEVELS[line[0]] if _RAILS.match(line) else None


def _logrus(line: str) -> str | None:
    return _LOGRUS.get(line[:4]) if line[4:5] == "[" else None


def _dotnet(line: str) -> str | None:
    return _DOTNET.get(line[:4]) if line[4:6] == ": " else None


def _windows(line: str) -> str | None:
    found = _WINDOWS_CSV.match(line)
    if found is not None:
        return _WINDOWS_LEVELS[found.group(1).lower()]
    if line.startswith("Event["):
        level = _WEVTUTIL_LEVEL.search(line, 0, 2000)
        return _WINDOWS_LEVELS.get(level.group(1).lower(), "UNKNOWN") if level else None
    return None


# One dispatch on the first character, else on the first two: a line whose start no family
# shares costs two dictionary look-ups.
_Family = Callable[[str], "str | None"]
_BY_FIRST: dict[str, _Family] = {digit: _stamped for digit in "0123456789"}
_BY_FIRST.update({"[": _bracketed, "<": _priority, "-": _bgl})
_BY_PREFIX: dict[str, _Family] = {}
_BY_PREFIX.update({letter + mark: _logcat for letter in _LOGCAT for mark in "/("})
_BY_PREFIX.update({letter + digit: _klog for letter in _KLOG_LEVELS for digit in "0123456789"})
_BY_PREFIX.update({letter + ",": _rails for letter in _RAILS_LEVELS})
_BY_PREFIX.update({word[:2]: _logrus for word in _LOGRUS})
_BY_PREFIX.update({word[:2]: _dotnet for word in _DOTNET})
_BY_PREFIX.update(
    {word[:2]: _windows for word in ("Critical", "Error", "Warning", "Information", "Verbose", "Event")}
)
_BY_PREFIX.update({word[:2]: _jul for word in ("Ja", "Fe", "Ma", "Ap", "Ju", "Au", "Se", "Oc", "No", "De")})
_BY_PREFIX.update({"CO": _jul_alone, "FI": _jul_alone})
_BY_PREFIX.update({label: _bgl for label in ("AP", "KE", "LI", "MA", "MO")})  # BGL alert labels


def field_level(line: str) -> str | None:
    """The level held by the line's level field, if the line is of a family that has one."""
    family = _BY_FIRST.get(line[:1]) or _BY_PREFIX.get(line[:2])
    return None if family is None else family(line)


def prefix_level(line: str) -> str | None:
    """`field_level`, or a level word the line starts with (Python's `LEVEL:name:msg`, `ERROR: x`).

    For lines whose text is parsed as `key=value` pairs: the prefix outranks a `level=` pair.
    (Plain text needs no second look: a leading word is the first one `text_level` finds.)
    """
    level = field_level(line)
    if level is None and line[:1] in _LEADING_FIRST:
        found = _LEADING.match(line)
        if found is not None:
            return FIELD_WORDS[found.group(found.lastindex or 0).lower()]
    return level


def line_level(line: str) -> str:
    """The level of one line: its level field when its format has one, else a level word."""
    level = field_level(line)
    return text_level(line) if level is None else level
