"""Turn one log message into the fields we aggregate: level, latency, principal, action, status.

Formats are tried in order (docs/design.md §4): a syslog `<PRI>` (its severity is the level), a JSON
object, a syslog line (sshd, sudo, PAM…), logfmt `key=value` pairs, then plain text. The level of
text comes from the line's level field where its format has one (formats.py: Log4j, logcat, klog,
…), else from a level word near the start, Lambda platform lines, `Task timed out`, stack traces.
Everything here is pure and never raises on any string. This runs once per event, so every regex
has a literal first character (the engine then skips text at C speed), is anchored, or runs only
after a substring check says it may match.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import orjson

from ..memo import Memo
from .fast import keys_before_equals, latency_phrase, syslog_user
from .formats import FIELD_WORDS, field_level, line_level, prefix_level, syslog_priority
from .textlevel import text_level

LEVELS = ("DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "UNKNOWN")
ERROR_LEVELS = frozenset({"ERROR", "CRITICAL"})

_LEVEL_KEYS = ("level", "levelname", "severity", "log_level", "loglevel", "lvl", "LogLevel")
# A latency beyond a day is a broken field, not a slow request; it would also overflow the
# integer microsecond sums of the aggregate (orjson encodes 64-bit integers only).
MAX_LATENCY_MS = 86_400_000.0
_LATENCY_KEYS = ("latency_ms", "duration_ms", "elapsed_ms", "latencyMs", "durationMs", "elapsedMs")
_PRINCIPAL_KEYS = ("user", "username", "principal", "userName", "user_name")
_ACTION_KEYS = ("action", "event", "eventName", "operation")
_STATUS_KEYS = ("status", "status_code", "statusCode", "outcome", "errorCode")
_TEXT_KEYS = ("message", "msg", "error", "errorMessage")
_LEVEL_SET, _LATENCY_SET, _ACTION_SET, _STATUS_SET, _TEXT_SET = map(
    frozenset, (_LEVEL_KEYS, _LATENCY_KEYS, _ACTION_KEYS, _STATUS_KEYS, _TEXT_KEYS)
)
_PRINCIPAL_SET = frozenset((*_PRINCIPAL_KEYS, "userIdentity"))
_LOGFMT_KNOWN = frozenset(
    _LEVEL_KEYS + _LATENCY_KEYS + _PRINCIPAL_KEYS + _ACTION_KEYS + _STATUS_KEYS + ("msg",)
)
_LEVEL_WORDS_GET = FIELD_WORDS.get  # a level key may hold any level-field word (zap dpanic)
# The words as loggers write them (`info`, `INFO`, `Info`): looked up as they are, what stripping and
# lower-casing them would find (all ASCII), without the two string copies; other forms take that way.
_RAW_LEVEL_GET = {
    form: level for word, level in FIELD_WORDS.items() for form in (word, word.upper(), word.capitalize())
}.get
# isinstance with a tuple: the same test as with `dict | list`, without building the union per call
_CONTAINERS = (dict, list)
_NUMBERS = (int, float)
_PINO_LEVELS = {10: "DEBUG", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "CRITICAL"}

_LAMBDA_REPORT = re.compile(r"REPORT RequestId: \S+\s+Duration: ([0-9.]+) ms")
# `key=value` pairs, the value quoted (with escapes) or bare; the key not glued to a letter or `_`.
# The key's first letter leads, so `re` skips to letters at C speed: the look-behind after it (that
# letter and the one before) says what `(?<![A-Za-z_])` before it would. The quoted value unrolled,
# `"[^"\\]*(?:\\.[^"\\]*)*"`, takes the strings `"(?:[^"\\]|\\.)*"` takes, in runs instead of a
# loop per character (test_parse_fast_paths.py compares both with the plain pattern).
_LOGFMT = re.compile(r"([A-Za-z_](?<![A-Za-z_]{2})[\w.\-]*)=(\"[^\"\\]*(?:\\.[^\"\\]*)*\"|[^\s\"]*)")


_LOGFMT_HINT = keys_before_equals(_LOGFMT_KNOWN)  # fast.py
# "Nov 26 12:00:01 host prog[pid]: body" or an RFC 3339 stamp instead of the BSD one
_SYSLOG = re.compile(
    r"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)"
    r" \S+ ([A-Za-z_][\w./-]*)(?:\([^)\s]*\))?(?:\[\d+\])?: "
)
# RFC 5424 after the PRI: VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]
_RFC5424 = re.compile(
    r"[1-9]\d{0,2} \S+ \S+ (\S+) \S+ \S+ (?:-|(?:\[(?:[^\]\\\"]|\\.|\"(?:[^\"\\]|\\.)*+\")*+\])+)(?: |$)"
)


class Parsed(NamedTuple):
    """What one message contributes to the aggregate. `text` is what error signatures use."""

    level: str
    latency_ms: float | None
    principal: str | None
    action: str | None
    status: str | None
    text: str


_new = tuple.__new__  # builds a Parsed without the Python-level NamedTuple __new__ (hot path)


def normalise_level(value: object) -> str | None:
    """Map a level as written by any logger (name, syslog word, pino number) to one of LEVELS."""
    if isinstance(value, str):
        return _LEVEL_WORDS_GET(value.strip().lower())
    if isinstance(value, int) and not isinstance(value, bool):
        return _PINO_LEVELS.get(value)
    return None


def _plausible(number: float) -> float | None:
    """A latency we can aggregate: 0 ≤ ms ≤ one day (NaN, infinities and absurd values are not)."""
    return number if 0 <= number <= MAX_LATENCY_MS else None  # NaN fails both comparisons


def _latency(value: object) -> float | None:
    if type(value) is float:
        return _plausible(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, _NUMBERS):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().removesuffix("ms"))
        except ValueError:
            return None
    else:
        return None
    return _plausible(number)


def _scalar(value: object, limit: int = 200) -> str | None:
    if type(value) is str:
        return value[:limit] if value else None
    if value is None or isinstance(value, _CONTAINERS):
        return None
    text = value if isinstance(value, str) else str(value)
    return text[:limit] if text else None


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = obj.get(key)
        if value is not None:
            return value
    return None


def _principal(obj: dict[str, Any], keys: tuple[str, ...] = _PRINCIPAL_KEYS) -> str | None:
    identity = obj.get("userIdentity")
    if isinstance(identity, dict):
        found = identity.get("arn") or identity.get("userName") or identity.get("type")
        if found is not None:
            return _scalar(found)
    value = _first(obj, keys)
    if isinstance(value, dict):
        value = value.get("name") or value.get("id") or value.get("arn")
    return _scalar(value)


_Keys = tuple[str, ...]
_Plan = tuple[_Keys, _Keys, _Keys, _Keys, _Keys, _Keys, bool]
_PLANS: Memo[tuple[str, ...], _Plan] = Memo(512)  # key layouts recur
# bound once: CPython specialises `get` on a plain dict, not on a subclass (~10 ns a JSON event)
_PLAN_OF = _PLANS.get


def _plan(shape: tuple[str, ...]) -> _Plan:
    """For one key layout: the keys present of each field, in priority order (layouts repeat)."""
    present = frozenset(shape)
    level, text, latency, principal, action, status = (
        tuple(key for key in keys if key in present)
        for keys in (_LEVEL_KEYS, _TEXT_KEYS, _LATENCY_KEYS, _PRINCIPAL_KEYS, _ACTION_KEYS, _STATUS_KEYS)
    )
    return _PLANS.remember(
        shape, (level, text, latency, principal, action, status, "userIdentity" in present)
    )


def _value(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """`_first` over keys the object is known to have (usually one)."""
    value = obj[keys[0]]
    return _first(obj, keys[1:]) if value is None and len(keys) > 1 else value


def _from_mapping(obj: dict[str, Any], message: str, level: str | None = None) -> Parsed:
    """`level`, when given, is the line's own level field (a prefix before logfmt pairs): it wins."""
    # Only the keys the object has are looked at, found once per key layout (`_plan`); the first
    # key of each field is read inline (`_value` only when it holds null and others may follow).
    shape = tuple(obj)
    level_keys, text_keys, latency_keys, principal_keys, action_keys, status_keys, identity = _PLAN_OF(
        shape
    ) or _plan(shape)
    if level is None and level_keys:
        value = obj[level_keys[0]]
        if value is None:
            value = _value(obj, level_keys)
        if type(value) is str:
            level = _RAW_LEVEL_GET(value) or _LEVEL_WORDS_GET(value.strip().lower())
        else:
            level = normalise_level(value)
    text = obj[text_keys[0]] if text_keys else None
    if type(text) is not str:
        if text is None and len(text_keys) > 1:
            text = _first(obj, text_keys[1:])
        if not isinstance(text, str):
            text = message
    principal = None
    if identity:
        principal = _principal(obj, principal_keys)
    elif principal_keys:
        value = obj[principal_keys[0]]
        if value is None:
            value = _value(obj, principal_keys)
        principal = (value[:200] or None) if type(value) is str else _principal(obj, principal_keys)
    latency = None
    if latency_keys:
        value = obj[latency_keys[0]]
        if value is None:
            value = _value(obj, latency_keys)
        if type(value) is float:  # `_plausible` inline
            latency = value if 0 <= value <= MAX_LATENCY_MS else None
        else:
            latency = _latency(value)
    action = None
    if action_keys:
        value = obj[action_keys[0]]
        if value is None:
            value = _value(obj, action_keys)
        action = (value[:200] or None) if type(value) is str else _scalar(value)
    status = None
    if status_keys:
        value = obj[status_keys[0]]
        if value is None:
            value = _value(obj, status_keys)
        if type(value) is str:
            status = value[:200] or None
        elif type(value) is int:  # what `_scalar` gives an int (HTTP statuses): its digits, never empty
            status = str(value)[:200]
        else:
            status = _scalar(value)
    level = line_level(text) if level is None else level
    return _new(Parsed, (level, latency, principal, action, status, text))


def _logfmt(message: str) -> dict[str, Any] | None:
    pairs = _LOGFMT.findall(message)
    if len(pairs) < 2:
        return None
    return {key: value[1:-1] if value[:1] == '"' else value for key, value in pairs}


def _text_latency(message: str) -> float | None:
    if message[:7] == "REPORT ":
        report = _LAMBDA_REPORT.match(message)
        if report is not None:
            return _plausible(float(report.group(1)))
    if "ms" not in message:
        return None
    found = latency_phrase(message[:8192].lower())
    return _plausible(float(found.group(1))) if found else None


def _syslog(message: str, syslog: re.Match[str]) -> Parsed:
    """A syslog line: the program is the action; sshd/sudo/PAM lines name the user."""
    body = message[syslog.end() : syslog.end() + 2000]
    principal = None
    if "user" in body or " for " in body or " : " in body:
        user = syslog_user(body)  # never empty: every name group takes one character or more
        if user is not None:
            principal = user[:200]
    level = field_level(body)  # the body may have a format of its own (`LOG:  `, `[error]`)
    if level is None:
        level = text_level(body)
    return _new(Parsed, (level, _text_latency(message), principal, syslog.group(1)[:200], None, message))


def _prioritised(message: str, level: str, end: int) -> Parsed:
    """A line after a syslog `<PRI>`: the PRI's severity is the level; RFC 5424 names the app."""
    rest = message[end:]
    header = _RFC5424.match(rest, 0, 4000)
    if header is not None:
        rest = rest[header.end() :]
    if rest[:1] == "<":  # a second PRI is text (and the recursion stops here)
        return _new(Parsed, (level, _text_latency(rest), None, None, None, rest))
    inner = parse_message(rest)  # RFC 3164: `Oct 11 22:14:15 host prog[pid]: msg` is a syslog line
    app = header.group(1) if header is not None else "-"
    action = inner.action if inner.action is not None or app == "-" else app[:200]
    return _new(Parsed, (level, inner.latency_ms, inner.principal, action, inner.status, inner.text))


def parse_message(message: str) -> Parsed:
    """Parse one message; never raises."""
    first = message[:1]
    if first == "<":
        priority = syslog_priority(message)
        if priority is not None:
            return _prioritised(message, *priority)
    # A JSON object ends with `}` before its trailing JSON whitespace (a subset of what rstrip
    # strips), so a line that does not is no object: skip orjson's costly failure.
    if (first == "{" or (first.isspace() and message.lstrip()[:1] == "{")) and (
        message[-1] == "}" or message.rstrip()[-1:] == "}"
    ):
        try:
            obj = orjson.loads(message)
        except orjson.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            return _from_mapping(obj, message)
    if first.isalnum():
        syslog = _SYSLOG.match(message)
        if syslog is not None:
            return _syslog(message, syslog)
    if "=" in message and _LOGFMT_HINT.search(message, 0, 8192) is not None:
        fields = _logfmt(message[:8192])
        if fields is not None and not _LOGFMT_KNOWN.isdisjoint(fields):
            return _from_mapping(fields, message, prefix_level(message))
    level = field_level(message)
    if level is None:
        level = text_level(message)
    return _new(Parsed, (level, _text_latency(message), None, None, None, message))
