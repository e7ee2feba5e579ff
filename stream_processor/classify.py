"""Security rules: which events are auth failures, privilege changes, root activity, destruction.

Rules are regular expressions; an event triggers a rule when the rule's regex finds a match in its
message (`SecurityRules.match`). `scan` gives the same answer for a whole batch, fast: each rule's
needles (see `rulefilter`) are found with `str.find` over the batch's lower-cased text, and only
those messages are searched, with the rule's case-insensitive alternatives run over lower-cased
text. Rules without needles, and messages that are not ASCII, are searched directly.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .rulefilter import RuleFilter

DEFAULT_RULES: dict[str, str] = {
    "auth_failure": (
        r"(?i:failed password|auth(?:entication)? fail|invalid user|"
        r"failed (?:publickey|none|keyboard-interactive)|"
        r"AccessDenied|UnauthorizedOperation|UnauthorizedAccess|"
        r"\b40[13] (?:unauthorized|forbidden)\b|\"\s40[13]\s|"
        r"login failed|failed login)"
    ),
    "privilege_change": (
        r"\bsudo\b|\busermod\b|\bgpasswd\b|\bvisudo\b|"
        r"\b(?:Attach|Put|Detach)(?:User|Role|Group)?Policy\b|\bCreateAccessKey\b|"
        r"\bAddUserToGroup\b|\bCreatePolicyVersion\b|\bUpdateAssumeRolePolicy\b|"
        r"(?i:\bgrant(?:ed)? (?:admin|root|sudo|all privileges)\b|\brole (?:changed|granted)\b)"
    ),
    "root_activity": (
        r"\"type\"\s*:\s*\"Root\"|(?i:\bfor user root\b|\buser(?:name)?[=: ]+\"?root\b|"
        r"\bauid=0\b|\broot login\b|\blogged in as root\b|\baccepted \w+ for root\b)"
    ),
    "destructive_action": (
        r"(?i:\b(?:delete|drop|terminate|destroy|remove|purge)[_ -]?(?:\w{0,24}?)"
        r"(?:users?|buckets?|tables?|instances?|databases?|db ?clusters?|volumes?)\b|"
        r"\buserdel\b|\brm -rf /)"
    ),
}

_SEPARATOR = "\x1e"
_FEW = 2  # up to this many messages, checking each one beats searching the joined text (measured)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class SecurityRules:
    """Compiled security rules, in a fixed (sorted) order so output never depends on config order."""

    names: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    filters: tuple[RuleFilter, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.filters) != len(self.patterns):
            object.__setattr__(self, "filters", tuple(RuleFilter.of(p.pattern) for p in self.patterns))

    @classmethod
    def from_mapping(cls, rules: Mapping[str, str]) -> SecurityRules:
        names = tuple(sorted(rules))
        return cls(names, tuple(re.compile(rules[name]) for name in names))

    def match(self, message: str) -> list[str]:
        """The rules one message triggers."""
        return [name for name, pat in zip(self.names, self.patterns, strict=True) if pat.search(message)]

    def scan(self, messages: Sequence[str]) -> dict[int, list[str]]:
        """Event index → rules triggered (in rule order) for a batch: `match` of every message, fast."""
        if not messages or not self.names:
            return {}
        if len(messages) <= _FEW:
            return {i: found for i, message in enumerate(messages) if (found := self._one(message))}
        joined = _SEPARATOR.join(messages)
        lowered = joined.lower()
        unusual: set[int] = set()
        if not joined.isascii():
            unusual = {i for i, message in enumerate(messages) if not message.isascii()}
            if len(lowered) != len(joined):
                lowered = joined.translate(_ASCII_LOWER)
        starts = list(itertools.accumulate(map((1).__add__, map(len, messages)), initial=0))
        hits: dict[int, list[str]] = {}
        for name, pattern, rule in zip(self.names, self.patterns, self.filters, strict=True):
            if rule.needles is None:
                candidates: Iterable[int] = range(len(messages))
            else:
                candidates = sorted(_find(lowered, rule.needles, starts) | unusual)
            for index in candidates:
                if rule.hit(pattern, messages[index], lowered[starts[index] : starts[index + 1] - 1]):
                    hits.setdefault(index, []).append(name)
        return hits

    def _one(self, message: str) -> list[str]:
        """`match` by the same shortcuts as `scan`, for one message (what small batches need)."""
        unusual = not message.isascii()
        lowered = message.translate(_ASCII_LOWER) if unusual else message.lower()
        return [
            name
            for name, pattern, rule in zip(self.names, self.patterns, self.filters, strict=True)
            if (unusual or rule.needles is None or any(n in lowered for n in rule.needles))
            and rule.hit(pattern, message, lowered)
        ]


def _find(lowered: str, needles: frozenset[str], starts: list[int]) -> set[int]:
    """Indices of the messages whose lower-cased text holds a needle (one `find` per such message)."""
    found: set[int] = set()
    find = lowered.find
    for needle in needles:
        pos = find(needle)
        while pos != -1:
            index = bisect_right(starts, pos) - 1
            found.add(index)
            pos = find(needle, starts[index + 1])
    return found


DEFAULT_SECURITY_RULES = SecurityRules.from_mapping(DEFAULT_RULES)
