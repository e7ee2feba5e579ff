"""Turn one log message into the fields we aggregate: level, latency, principal, action, status.

Formats are tried in order (DESIGN §4): a JSON object, logfmt `key=value` pairs, then plain
text (a level word near the start, syslog/sshd lines, Lambda platform lines, stack traces).
Everything here is pure and must never raise on any string.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

import orjson

LEVELS = ("DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "UNKNOWN")
ERROR_LEVELS = frozenset({"ERROR", "CRITICAL"})

_LEVEL_WORDS: dict[str, str] = {
    "trace": "DEBUG",
    "debug": "DEBUG",
    "dbg": "DEBUG",
    "verbose": "DEBUG",
    "info": "INFO",
    "information": "INFO",
    "informational": "INFO",
    "notice": "INFO",
    "warn": "WARN",
    "warning": "WARN",
    "error": "ERROR",
    "err": "ERROR",
    "severe": "ERROR",
    "exception": "ERROR",
    "critical": "CRITICAL",
    "crit": "CRITICAL",
    "fatal": "CRITICAL",
    "emerg": "CRITICAL",
    "emergency": "CRITICAL",
    "alert": "CRITICAL",
    "panic": "CRITICAL",
}
_PINO_LEVELS = {10: "DEBUG", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "CRITICAL"}

_WORDS = "|".join(sorted(_LEVEL_WORDS, key=len, reverse=True))
_TEXT_LEVEL = re.compile(
    rf"\[\s*(?i:({_WORDS}))\s*\]|(?i:\b({_WORDS})):|(?<![\w.-])({_WORDS.upper()})(?![\w.-])"
)
_LAMBDA_REPORT = re.compile(r"^REPORT RequestId: \S+\s+Duration: ([0-9.]+) ms")
_TEXT_LATENCY = re.compile(
    r"(?i)\b(?:latency|duration|elapsed|took|response[_ ]time)\b[=: ]*([0-9]+(?:\.[0-9]+)?)\s*ms\b"
)
_LOGFMT = re.compile(r"([A-Za-z_][\w.\-]*)=(\"(?:[^\"\\]|\\.)*\"|[^\s\"]*)")
_STACK_TRACE = re.compile(
    r"^Traceback \(most recent call last\)|\n\s+at [\w$.<>]+\(|^\w+(?:\.\w+)+(?:Exception|Error)\b"
)

_LEVEL_KEYS = ("level", "levelname", "severity", "log_level", "loglevel", "lvl", "LogLevel")
_LATENCY_KEYS = ("latency_ms", "duration_ms", "elapsed_ms", "latencyMs", "durationMs", "elapsedMs")
_PRINCIPAL_KEYS = ("user", "username", "principal", "userName", "user_name")
_ACTION_KEYS = ("action", "event", "eventName", "operation")
_STATUS_KEYS = ("status", "status_code", "statusCode", "outcome", "errorCode")
_TEXT_KEYS = ("message", "msg", "error", "errorMessage")


class Parsed(NamedTuple):
    """What one message contributes to the aggregate. `text` is what error signatures use."""

    level: str
    latency_ms: float | None
    principal: str | None
    action: str | None
    status: str | None
    text: str


def normalise_level(value: object) -> str | None:
    """Map a level as written by any logger (name, syslog word, pino number) to one of LEVELS."""
    if isinstance(value, str):
        return _LEVEL_WORDS.get(value.strip().lower())
    if isinstance(value, int) and not isinstance(value, bool):
        return _PINO_LEVELS.get(value)
    return None


def _latency(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().removesuffix("ms"))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _scalar(value: object, limit: int = 200) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = value if isinstance(value, str) else str(value)
    return text[:limit] if text else None


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = obj.get(key)
        if value is not None:
            return value
    return None


def _principal(obj: dict[str, Any]) -> str | None:
    identity = obj.get("userIdentity")
    if isinstance(identity, dict):
        found = identity.get("arn") or identity.get("userName") or identity.get("type")
        if found is not None:
            return _scalar(found)
    value = _first(obj, _PRINCIPAL_KEYS)
    if isinstance(value, dict):
        value = value.get("name") or value.get("id") or value.get("arn")
    return _scalar(value)


def _from_mapping(obj: dict[str, Any], message: str) -> Parsed:
    level = normalise_level(_first(obj, _LEVEL_KEYS))
    text = _first(obj, _TEXT_KEYS)
    text = text if isinstance(text, str) else message
    if level is None:
        level = _text_level(text)
    return Parsed(
        level,
        _latency(_first(obj, _LATENCY_KEYS)),
        _principal(obj),
        _scalar(_first(obj, _ACTION_KEYS)),
        _scalar(_first(obj, _STATUS_KEYS)),
        text,
    )


def _text_level(message: str) -> str:
    head = message[:120]
    if head.startswith(("START RequestId:", "END RequestId:", "REPORT RequestId:", "INIT_START")):
        return "INFO"
    if head.startswith("Task timed out") or "Task timed out after" in head:
        return "ERROR"
    found = _TEXT_LEVEL.search(head)
    if found is not None:
        return _LEVEL_WORDS[(found.group(1) or found.group(2) or found.group(3)).lower()]
    if _STACK_TRACE.search(message[:4000]):
        return "ERROR"
    return "UNKNOWN"


def _logfmt(message: str) -> dict[str, Any] | None:
    pairs = _LOGFMT.findall(message)
    if len(pairs) < 2:
        return None
    return {key: value[1:-1] if value[:1] == '"' else value for key, value in pairs}


def parse_message(message: str) -> Parsed:
    """Parse one message; never raises."""
    stripped = message.lstrip()
    if stripped[:1] == "{":
        try:
            obj = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            return _from_mapping(obj, message)
    if "=" in message:
        fields = _logfmt(message[:8192])
        if fields is not None and (fields.keys() & _LOGFMT_KNOWN):
            return _from_mapping(fields, message)
    report = _LAMBDA_REPORT.match(message)
    latency = float(report.group(1)) if report else None
    if latency is None and "ms" in message:
        found = _TEXT_LATENCY.search(message[:8192])
        latency = float(found.group(1)) if found else None
    return Parsed(_text_level(message), latency, None, None, None, message)


_LOGFMT_KNOWN = frozenset(
    _LEVEL_KEYS + _LATENCY_KEYS + _PRINCIPAL_KEYS + _ACTION_KEYS + _STATUS_KEYS + ("msg",)
)
