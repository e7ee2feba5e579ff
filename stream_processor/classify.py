"""Security rules: which events are auth failures, privilege changes, root activity, destruction.

Rules are regular expressions over the raw message text. A batch is scanned rule by rule over
its messages joined together (one C-level pass per rule instead of one per event), and every
match is mapped back to the event it falls in.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class SecurityRules:
    """Compiled security rules, in a fixed (sorted) order so output never depends on config order."""

    names: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def from_mapping(cls, rules: Mapping[str, str]) -> SecurityRules:
        names = tuple(sorted(rules))
        return cls(names, tuple(re.compile(rules[name]) for name in names))

    def match(self, message: str) -> list[str]:
        """The rules one message triggers."""
        return [name for name, pat in zip(self.names, self.patterns, strict=True) if pat.search(message)]

    def scan(self, messages: Sequence[str]) -> dict[int, list[str]]:
        """Event index → rules triggered, for a whole batch of messages."""
        if not messages:
            return {}
        joined = _SEPARATOR.join(messages)
        starts: list[int] = []
        pos = 0
        for message in messages:
            starts.append(pos)
            pos += len(message) + 1
        hits: dict[int, list[str]] = {}
        for name, pattern in zip(self.names, self.patterns, strict=True):
            last = -1
            for found in pattern.finditer(joined):
                index = bisect_right(starts, found.start()) - 1
                if index == last:
                    continue
                end = starts[index] + len(messages[index])
                if found.end() > end and not pattern.search(messages[index]):
                    continue  # the match straddled two events: not a hit for this one
                last = index
                hits.setdefault(index, []).append(name)
        return hits


DEFAULT_SECURITY_RULES = SecurityRules.from_mapping(DEFAULT_RULES)
