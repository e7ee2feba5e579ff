"""Mask secrets in log text before it is stored anywhere but the (encrypted) raw archive."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "[REDACTED]"

_KEYED = re.compile(
    r"(?i)\b(password|passwd|pwd|passphrase|token|secret|api[_-]?key|access[_-]?key|"
    r"secret[_-]?key|client[_-]?secret|aws_secret_access_key|private[_-]?key)"
    r"(\"?\s*[=:]\s*\"?)([^\s\"'&,;}]+)"
)
_AUTH_HEADER = re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{8,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b")
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S
)
_URL_CREDENTIALS = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)@")
_SECRET_KEY_SHAPE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


def _secret_key_shape(match: re.Match[str]) -> str:
    text = match.group(0)
    looks_random = (
        any(c.isupper() for c in text) and any(c.islower() for c in text) and any(c.isdigit() for c in text)
    )
    return MASK if looks_random else text


class Redactor:
    """Applies the built-in secret patterns plus configured extra patterns, in a fixed order."""

    def __init__(self, extra_patterns: Iterable[str] = ()) -> None:
        self._extra = [re.compile(p) for p in extra_patterns]

    def __call__(self, text: str) -> str:
        if "-----BEGIN" in text:
            text = _PRIVATE_KEY.sub("[REDACTED PRIVATE KEY]", text)
        text = _URL_CREDENTIALS.sub(rf"\1{MASK}@", text)
        text = _JWT.sub(MASK, text)
        text = _AUTH_HEADER.sub(rf"\1\2{MASK}", text)
        text = _KEYED.sub(rf"\1\2{MASK}", text)
        text = _ACCESS_KEY_ID.sub(MASK, text)
        text = _SECRET_KEY_SHAPE.sub(_secret_key_shape, text)
        for pattern in self._extra:
            text = pattern.sub(MASK, text)
        return text


DEFAULT_REDACTOR = Redactor()
