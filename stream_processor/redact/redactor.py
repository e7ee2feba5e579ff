"""Mask secrets in log text before it is stored anywhere but the (encrypted) raw archive.

The shapes, in the order they are applied (docs/processor.md lists them; a test checks the list):
private-key blocks (PEM of every kind, OpenSSH, PGP, SSH2, PuTTY), URL credentials (a password
may contain `@`), the token shapes of `secret_shapes` (gitleaks' rule data: GitHub, GitLab,
Slack, Stripe, Google, npm, SendGrid, Twilio, AWS session tokens, ...), JWTs, `Cookie:` and
`Set-Cookie:` values, `Authorization:` credentials, `Bearer` tokens, passwords on command lines
(`command_secrets`: `mysql -p…`, `--password …`, `htpasswd -b`, `sshpass -p`, ...), values of
`password=`/`passwd`/`pwd`/`token=`/`secret=`/`api_key`… keys (quoted values whole, JSON and
escaped JSON too), user names that look like a secret (`secret_names`: a password typed at a
username prompt lands in sshd's "invalid user" field), AWS access key ids, AWS secret keys
(40-character mixed base64); then configured extra patterns. Each pattern runs only when a
cheap substring check says it could match, so clean text costs a few substring searches; in
ASCII text one RE2 pass first tells which of those checks can succeed (`_Gates`), so most are
skipped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence

from ..detect import engine
from ..detect.engine import PatternSet
from ..memo import Memo
from ..parse import anchored
from .command_secrets import COMMAND_SHAPES, HTPASSWD, htpasswd_secret
from .secret_names import looks_like_secret
from .secret_shapes import TOKEN_SHAPES, Shape

MASK = "[REDACTED]"
# The shapes matched here, beside the token shapes (`secret_shapes`) and the command-line shapes
# (`command_secrets`); `shape_ids()` lists all three, and docs/processor.md lists the same ids.
TEXT_SHAPES = (
    "private-key",
    "putty-private-key",
    "url-credentials",
    "jwt",
    "cookie",
    "authorization",
    "bearer",
    "keyed-value",
    "login-name",
    "aws-access-key-id",
    "aws-secret-key",
    "htpasswd-b",
)

_KEY_WORDS = ("pass", "pwd", "token", "secret", "key")
_ANCHORED_FROM = 512  # measured: below it the plain scan of `_KEYED` wins, above it the anchored one
_SHORT = 64  # texts up to this length have their redaction remembered ...
_REMEMBERED = 4096  # ... this many of them per Redactor


class _AnyCase:
    """A case-insensitive pattern that runs as a case-sensitive one over lower-cased text.

    The regex engine skips text at C speed only for case-sensitive patterns (a 10x difference
    here), so ASCII text is matched lower-cased and the spans are cut from the original; other
    text (where lower-casing may change lengths) uses the IGNORECASE compilation.
    """

    def __init__(self, source: str, stems: tuple[str, ...] = ()) -> None:
        """`stems`: lower-case words every match starts with, when known (in a text of at least
        `_ANCHORED_FROM` characters the pattern is tried only there; in a shorter one the plain
        scan is faster)."""
        self.lower = re.compile(source)
        self.any_case = re.compile(source, re.IGNORECASE)
        self.stems = stems

    def sub(self, render: Callable[[str, re.Match[str]], str], text: str, lowered: str) -> str:
        if not text.isascii():
            return self.any_case.sub(lambda found: render(found.string, found), text)
        pieces: list[str] = []
        last = 0
        stems = self.stems if len(lowered) >= _ANCHORED_FROM else ()
        for found in anchored.matches(self.lower, lowered, stems) if stems else self.lower.finditer(lowered):
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
    r"(\\\"(?:[^\"\\]|\\[^\"])*\\\"|\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s\"'&,;}\\]+)",
    ("pass", "pwd", "token", "secret", "api", "access", "private"),  # where its key words start
)
_AUTHORIZATION = _AnyCase(
    r"(authorization\\?\"?\s*[:=]\s*\\?\"?"
    r"(?:(?:bearer|basic|digest|token|negotiate|aws4-hmac-sha256)\s+)?)[^\s\"'\\,;]+"
)
_BEARER = _AnyCase(r"(bearer\s+)(?:[A-Za-z0-9._~+/=-]{20,}|(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,})")
_WORD_CHAR = re.compile(r"\w")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_ACCESS_KEY_ID = re.compile(  # gitleaks' prefixes and IAM's unique-id ones; may follow `_` (key_AKIA…)
    r"A(?<![A-Za-z0-9]A)(?:3T[A-Z0-9]|KIA|SIA|BIA|CCA|GPA|IDA|ROA|NPA|NVA|IPA)[A-Z0-9]{16}(?![A-Z0-9])"
)
_KEY_HEADER = r"-{4,5} ?%s[ A-Z0-9_-]{0,100}(?:PRIVATE|SECRET) KEY(?: BLOCK)? ?-{4,5}"
_PRIVATE_KEY = re.compile(f"{_KEY_HEADER % 'BEGIN'}.*?(?:{_KEY_HEADER % 'END'}|\\Z)", re.S)
_PUTTY_KEY = re.compile(r"Private-Lines: *\d+.*?(?:Private-(?:MAC|Hash): *[0-9a-fA-F]+|\Z)", re.S)
# scheme://user:password@host; the password runs to the last `@` of the authority, so it may hold `@`
_URL_CREDENTIALS = re.compile(
    r"((?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]{0,30}://[^/\s:]{0,200}:)([^\s/]{0,500})@"
)
_COOKIE = _AnyCase(r"((?<![\w-])(?:set-)?cookie2?\\?\"?\s*[:=]\s*\\?\"?)[^\r\n\"\\]+")
_COMMANDS = tuple(re.compile(shape.pattern) for shape in COMMAND_SHAPES)
_COMMAND_TRIGGERS = tuple(shape.triggers for shape in COMMAND_SHAPES)
_HTPASSWD = re.compile(HTPASSWD)
_OPTION = re.compile(r"-(?<=\s-)-?[A-Za-z]")  # `\s--?[A-Za-z]` somewhere, found from its literal `-`
# The value must hold a character other than letters, `.`, `_` and `-`: names of only those never
# look like a secret (`secret_names` rules 1-4 all need one), so common names skip the check.
_SUSPECT = r"(?=[^\s\"\\,;&]*[^\sA-Za-z._\"\\,;&-])"
_SSHD_NAME = re.compile(
    r"(invalid user |Invalid user |illegal user |Illegal user |FOR )(?=\S*[^\sA-Za-z._-])(\S+)"
)
_KEYED_NAME = re.compile(  # the spellings logs use (case-sensitive, so the engine skips in C)
    r"((?:user(?:_?name|Name)?|ruser|User(?:Name)?|USER(?:NAME)?|logname|principal|Principal)"
    rf"\\?\"?\s*[=:]\s*\\?\"?){_SUSPECT}([^\s\"\\,;&]+)"
)
_NAME_KEYS = ("user", "User", "USER", "logname", "rincipal")
_NAME_EDGES = "'\",;:"
_NAME_KEY_AFTER = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-")
_SECRET_KEY_SHAPE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# ASCII bytes -> b"a" for a character of the shape, b"=" for `=`, b" " for any other: the shape
# matches only where the translated text holds a run of exactly 40 b"a" between two b" " (or an end).
_SHAPE_CHARS = bytes(
    97 if chr(c).isascii() and (chr(c).isalnum() or chr(c) in "/+") else 61 if chr(c) == "=" else 32
    for c in range(256)
)
_SHAPE_RUN = b" " + b"a" * 40 + b" "


_ANY_SHAPE_RUN = b"a" * 40


def _may_hold_secret_key(text: str, encoded: bytes | None = None) -> bool:
    """False when `_SECRET_KEY_SHAPE` cannot match `text` (found by C passes, no regex).

    `encoded`: `text.encode()` when the caller has it (the gate pass does). A run of exactly 40
    needs a run of at least 40, so the padded search runs only where the cheap one finds some."""
    if len(text) < 40:
        return False
    if not text.isascii():
        return True
    shape = (text.encode() if encoded is None else encoded).translate(_SHAPE_CHARS)
    return _ANY_SHAPE_RUN in shape and _SHAPE_RUN in b" " + shape + b" "


def _one_regex(shapes: Iterable[Shape]) -> re.Pattern[str]:
    """All token shapes as one regex, branching on the first character of their prefixes.

    Equivalent to trying each `shape.pattern` in turn; as one alternation whose branches all start
    with a literal, the engine skips positions that start no prefix in C, and only tries the
    shapes whose first character is there (pinned by
    tests/unit/stream_processor/redact/test_redact_patterns.py).
    """
    by_first: dict[str, list[str]] = {}
    for shape in shapes:
        for prefix in shape.prefixes:
            by_first.setdefault(prefix[0], []).append(re.escape(prefix[1:]) + shape.body)
    return re.compile("|".join(f"{re.escape(first)}(?:{'|'.join(rest)})" for first, rest in by_first.items()))


_TOKENS = _one_regex(TOKEN_SHAPES)
_TOKEN_SCAN = 64  # from this length a text is first asked whether any token prefix occurs (measured: one
# RE2 pass costs what `_TOKENS.sub` costs over about 60 characters, and few texts hold a prefix)


@functools.cache
def _token_prefixes() -> PatternSet | None:
    """Every token shape's prefixes as one RE2 alternation (linear, no per-position retries), or
    None without google-re2 (the prefilter is then skipped: same results, `_TOKENS` alone)."""
    if engine.re2 is None:
        return None
    prefixes = sorted({prefix for shape in TOKEN_SHAPES for prefix in shape.prefixes})
    return PatternSet(["|".join(map(re.escape, prefixes))], validate=False)


# One RE2 pass over an ASCII text tells which steps of `Redactor._redact` can change it: each gate
# below is a necessary condition of its step (a step whose gate is absent leaves the text as it
# is), so the plain checks (a substring search each, ~6 instructions a character) and the regex
# scans run only where a gate is present. A gate answers for the text it scanned only: once a step
# has changed the text, every later step makes its plain checks (`_Gates.may`).
_WS = r"\t\n\x0b\x0c\r\x1c-\x1f "  # what Python's `\s` matches in ASCII text (RE2's `\s` lacks \v, \x1c-\x1f)
_GATE_PATTERNS = (
    r"BEGIN|Private-Lines|://",  # the key blocks and URL credentials: their checks' words
    "|".join(sorted({re.escape(prefix) for shape in TOKEN_SHAPES for prefix in shape.prefixes})),
    "eyJ",  # `_JWT`
    rf"[{_WS}]--?[A-Za-z]|^-|vault|chpasswd",  # `_commands`' own gate (`_OPTION` is `\s--?[A-Za-z]`)
    # `_key_words`: the start of a match of each of its patterns up to its separator, in any case
    rf"(?i)cookie2?\\?\"?[{_WS}]*[:=]|authorization\\?\"?[{_WS}]*[:=]|bearer[{_WS}]"
    r"|(?:password|passwd|pwd|passphrase|token|secret|api[_-]?key|access[_-]?key|private[_-]?key)"
    rf"\w*\\?\"?[{_WS}]*[=:]",
    # `_SSHD_NAME` and `_KEYED_NAME` with their look-aheads' text in line (a match of either holds one)
    rf"(?:invalid user |Invalid user |illegal user |Illegal user |FOR )[^{_WS}]*[^{_WS}A-Za-z._-]",
    r"(?:user(?:_?name|Name)?|ruser|User(?:Name)?|USER(?:NAME)?|logname|principal|Principal)"
    rf'\\?"?[{_WS}]*[=:][{_WS}]*\\?"?[^{_WS}"\\,;&]*[^{_WS}A-Za-z._"\\,;&-]',
)  # (the access key ids and secret keys keep their own checks: as gates here they cost more than they save)
_GATE_BITS = tuple(1 << gate for gate in range(len(_GATE_PATTERNS)))  # gate i is bit 1 << i
_KEY_BLOCKS_BIT, _TOKEN_BIT, _JWT_BIT, _COMMAND_BIT, _KEY_WORD_BIT, _SSHD_BIT, _NAME_KEY_BIT = _GATE_BITS
_ALL_GATES = sum(_GATE_BITS)


@functools.cache
def _gate_search() -> Callable[[bytes], list[int] | None] | None:
    """The gates as one RE2 set (bytes in, the gates present out, None for none), or None
    without google-re2 (then every step makes its plain checks: same results)."""
    if engine.re2 is None:
        return None
    return PatternSet(_GATE_PATTERNS, validate=False).match_bytes


class _Gates:
    """The gates present in one text (`_GATE_PATTERNS`), found in one pass when the text is ASCII
    (where `(?i)` and the character classes above mean exactly what Python's do)."""

    __slots__ = ("encoded", "found")

    def __init__(self, text: str) -> None:
        search = _gate_search() if text.isascii() else None
        self.encoded: bytes | None = None
        self.found: Sequence[int] | None = None
        if search is not None:
            self.encoded = text.encode()
            self.found = search(self.encoded) or ()

    def bits(self) -> int:
        """The gates that may hold in the text scanned, as bits (`1 << gate`); all when unscanned."""
        if self.found is None:
            return _ALL_GATES
        return sum(map(_GATE_BITS.__getitem__, self.found))


def _may_hold_token(text: str) -> bool:
    """False when no token shape can match: every match of `_TOKENS` starts with a prefix."""
    if len(text) < _TOKEN_SCAN:
        return True
    prefixes = _token_prefixes()
    return prefixes is None or bool(prefixes.match(text))


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


def _name(text: str, found: re.Match[str]) -> str:
    """Mask a user-name field's value when it looks like a secret (`secret_names`), edges kept."""
    start = found.start()
    if start and text[start - 1] in _NAME_KEY_AFTER:  # `user=` must start a key (not `x-user=`, `//user:`)
        return text[start : found.end()]
    value = text[found.start(2) : found.end(2)]
    core = value.strip(_NAME_EDGES)
    if core.startswith(MASK[:-1]) or not looks_like_secret(core):
        return text[found.start() : found.end()]
    head = value[: value.index(core)] if core else ""
    return f"{text[found.start(1) : found.end(1)]}{head}{MASK}{value[len(head) + len(core) :]}"


def _htpasswd(found: re.Match[str]) -> str:
    """`htpasswd -b [file] user password`: mask the password argument."""
    args = found.group(2).split()
    position = htpasswd_secret(found.group(1), args)
    if position is None:
        return found.group(0)
    args[position] = MASK
    return f"htpasswd{found.group(1)} {' '.join(args)}"


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
        self._short: Memo[str, str] = Memo(_REMEMBERED)  # short texts (user names, actions, statuses) recur

    def __call__(self, text: str) -> str:
        if len(text) > _SHORT:
            return self._redact(text)
        found = self._short.get(text)
        if found is None:
            found = self._short.remember(text, self._redact(text))
        return found

    def name(self, text: str) -> str:
        """A principal, action or status: redacted as text, and masked whole if it looks like a secret."""
        redacted = self(text)
        return MASK if looks_like_secret(redacted) else redacted

    def _redact(self, text: str) -> str:
        # A step runs its checks when its gate's bit is set (the gate may hold in the text scanned),
        # or once an earlier step has changed the text (the gates answer for the text scanned only).
        gates = _Gates(text)
        scanned, open_gates = text, gates.bits()
        if open_gates & _KEY_BLOCKS_BIT or text is not scanned:
            if "BEGIN" in text:
                text = _PRIVATE_KEY.sub("[REDACTED PRIVATE KEY]", text)
            if "Private-Lines" in text:
                text = _PUTTY_KEY.sub("[REDACTED PRIVATE KEY]", text)
            if "://" in text:
                text = _URL_CREDENTIALS.sub(rf"\1{MASK}@", text)
        if (open_gates & _TOKEN_BIT or text is not scanned) and _may_hold_token(text):
            text = _TOKENS.sub(MASK, text)
        if (open_gates & _JWT_BIT or text is not scanned) and "eyJ" in text:
            text = _JWT.sub(MASK, text)
        if open_gates & _COMMAND_BIT or text is not scanned:
            text = _commands(text)
        if open_gates & _KEY_WORD_BIT or text is not scanned:
            text = _key_words(text)
        if (open_gates & _SSHD_BIT or text is not scanned) and (
            "nvalid user " in text or "llegal user " in text or "FOR " in text
        ):
            text = _SSHD_NAME.sub(lambda found: _name(found.string, found), text)
        if (open_gates & _NAME_KEY_BIT or text is not scanned) and any(map(text.__contains__, _NAME_KEYS)):
            text = _KEYED_NAME.sub(lambda found: _name(found.string, found), text)
        if "A" in text:
            text = _ACCESS_KEY_ID.sub(MASK, text)
        if _may_hold_secret_key(text, gates.encoded if text is scanned else None):
            text = _SECRET_KEY_SHAPE.sub(_secret_key_shape, text)
        for pattern in self._extra:
            text = pattern.sub(MASK, text)
        return text


def _key_words(text: str) -> str:
    """The shapes found by a key word in any case: cookies, `Authorization`, `Bearer`, `password=`…"""
    lowered = text.lower()
    for word, pattern, render in _BY_WORD:
        if word in lowered:
            redacted = pattern.sub(render, text, lowered)
            if redacted is not text:
                text, lowered = redacted, redacted.lower()
    if any(map(lowered.__contains__, _KEY_WORDS)):
        text = _KEYED.sub(_keyed, text, lowered)
    return text


def _commands(text: str) -> str:
    """Passwords on command lines (`command_secrets`), each shape only where its trigger occurs."""
    if not (_OPTION.search(text) or text[:1] == "-" or "vault" in text or "chpasswd" in text):
        return text  # every command shape needs an option after whitespace, or names vault/chpasswd
    for triggers, pattern in zip(_COMMAND_TRIGGERS, _COMMANDS, strict=True):
        if any(map(text.__contains__, triggers)):
            text = pattern.sub(rf"\1{MASK}", text)
    if "htpasswd" in text:
        text = _HTPASSWD.sub(_htpasswd, text)
    return text


def shape_ids() -> list[str]:
    """Every built-in shape id: the text shapes here, then the token and command-line shapes."""
    return [*TEXT_SHAPES, *(shape.id for shape in TOKEN_SHAPES), *(shape.id for shape in COMMAND_SHAPES)]


_BY_WORD = (
    ("cookie", _COOKIE, _keep_first),
    ("authorization", _AUTHORIZATION, _keep_first),
    ("bearer", _BEARER, _bearer),
)
DEFAULT_REDACTOR = Redactor()
