"""Mask secrets in log text before it is stored anywhere but the (encrypted) raw archive.

Built-in shapes (DESIGN §4): AWS access key ids, AWS secret keys (40-character mixed base64),
`password=`/`passwd`/`pwd`/`token=`/`secret=`/`api_key`… values (quoted values whole, JSON and
escaped JSON too), `Authorization:` header credentials and `Bearer` tokens, JWTs, private-key
blocks and URL credentials; plus configured extra patterns. Each pattern runs only when a cheap
substring check says it could match, so clean text costs a few substring searches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

MASK = "[REDACTED]"

_KEY_WORDS = ("pass", "pwd", "token", "secret", "key")
_SHORT = 64  # texts up to this length have their redaction remembered ...
_REMEMBERED = 4096  # ... this many of them per Redactor


class _AnyCase:
    """A case-insensitive pattern that runs as a case-sensitive one over lower-cased text.

    The regex engine skips text at C speed only for case-sensitive patterns (a 10x difference
    here), so ASCII text is matched lower-cased and the spans are cut from the original; other
    text (where lower-casing may change lengths) uses the IGNORECASE compilation.
    """

    def __init__(self, source: str) -> None:
        self.lower = re.compile(source)
        self.any_case = re.compile(source, re.IGNORECASE)

    def sub(self, render: Callable[[str, re.Match[str]], str], text: str, lowered: str) -> str:
        if not text.isascii():
            return self.any_case.sub(lambda found: render(found.string, found), text)
        pieces: list[str] = []
        last = 0
        for found in self.lower.finditer(lowered):
            pieces.append(text[last : found.start()])
            pieces.append(render(text, found))
            last = found.end()
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)


_KEYED = _AnyCase(
    r"((?:password|passwd|pwd|passphrase|token|secret|api[_-]?key|access[_-]?key|private[_-]?key)\w*"
    r"\\?\"?\s*[=:]\s*)"
    r"(\\\"(?:[^\"\\]|\\[^\"])*\\\"|\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s\"'&,;}\\]+)"
)
_AUTHORIZATION = _AnyCase(
    r"(authorization\\?\"?\s*[:=]\s*\\?\"?"
    r"(?:(?:bearer|basic|digest|token|negotiate|aws4-hmac-sha256)\s+)?)[^\s\"'\\,;]+"
)
_BEARER = _AnyCase(r"(bearer\s+)(?:[A-Za-z0-9._~+/=-]{20,}|(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,})")
_WORD_CHAR = re.compile(r"\w")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_ACCESS_KEY_ID = re.compile(r"A(?<![A-Za-z0-9_]A)(?:KIA|SIA|GPA|IDA|ROA|NPA|NVA|IPA|BIA|CCA)[A-Z0-9]{16}\b")
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S
)
_URL_CREDENTIALS = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:)([^@\s/]+)@")  # user may be empty
_SECRET_KEY_SHAPE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


def _keyed(text: str, found: re.Match[str]) -> str:
    """Keep the key and separator, mask the value (inside its quotes when it is quoted)."""
    value = text[found.start(2) : found.end(2)]
    if value[:1] == "/" and text[found.start(1) : found.start(1) + 3].lower() == "pwd":
        return text[found.start() : found.end()]  # sudo's PWD=/home/bob is a directory, not a password
    quote = value[:2] if value[:2] == '\\"' else value[:1] if value[:1] in "\"'" else ""
    return f"{text[found.start(1) : found.end(1)]}{quote}{MASK}{quote}"


def _keep_first(text: str, found: re.Match[str]) -> str:
    return text[found.start(1) : found.end(1)] + MASK


def _bearer(text: str, found: re.Match[str]) -> str:
    """Mask a bearer token; `bearer` must start a word (checked here so the search stays fast)."""
    start = found.start()
    if start and _WORD_CHAR.match(text, start - 1):
        return text[start : found.end()]
    return _keep_first(text, found)


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
        self._short: dict[str, str] = {}  # short texts (user names, actions, statuses) recur

    def __call__(self, text: str) -> str:
        if len(text) > _SHORT:
            return self._redact(text)
        found = self._short.get(text)
        if found is None:
            if len(self._short) >= _REMEMBERED:
                self._short.clear()  # bounded memory; it refills with what recurs
            found = self._short[text] = self._redact(text)
        return found

    def _redact(self, text: str) -> str:
        if "-----BEGIN" in text:
            text = _PRIVATE_KEY.sub("[REDACTED PRIVATE KEY]", text)
        if "://" in text:
            text = _URL_CREDENTIALS.sub(rf"\1{MASK}@", text)
        if "eyJ" in text:
            text = _JWT.sub(MASK, text)
        lowered = text.lower()
        if "authorization" in lowered:
            text = _AUTHORIZATION.sub(_keep_first, text, lowered)
            lowered = text.lower()
        if "bearer" in lowered:
            text = _BEARER.sub(_bearer, text, lowered)
            lowered = text.lower()
        if any(word in lowered for word in _KEY_WORDS):
            text = _KEYED.sub(_keyed, text, lowered)
        if "A" in text:
            text = _ACCESS_KEY_ID.sub(MASK, text)
        if len(text) >= 40:
            text = _SECRET_KEY_SHAPE.sub(_secret_key_shape, text)
        for pattern in self._extra:
            text = pattern.sub(MASK, text)
        return text


DEFAULT_REDACTOR = Redactor()
