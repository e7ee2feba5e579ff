"""Alert exceptions (`Alerts.Exceptions`): approved activity that is counted but not notified.

Each exception names one notified rule (a rule id, or the group of a thresholded rule such as
`auth_failure`), what it matches (one or more of a principal, a source CIDR, a log stream and a
host; all given must match) and who answers for it: reason, ticket, owner and an expiry. An
exception covers events up to its expiry only, judged by the event's own time, so the alert path
and the daily report (which recounts from the merged aggregate) agree whatever the delivery delay.

`Stream` and `Host` take shell-style wildcards (`i-0abc*/secure`); `Host` is the host name a
syslog line carries (`Dec  5 03:21:10 bastion-a sudo: …`, see `host_of`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fnmatch import fnmatchcase
from typing import Protocol

from ..errors import ConfigError

KEYS = frozenset({"Rule", "Principal", "Cidr", "Stream", "Host", "Reason", "Ticket", "Owner", "Expires"})
MATCHERS = ("Principal", "Cidr", "Stream", "Host")
REQUIRED = ("Rule", "Reason", "Ticket", "Owner", "Expires")
MAX_EXCEPTIONS = 500
MAX_TEXT = 512
# The syslog header before the program: a BSD or an RFC 3339 stamp, then the host.
_SYSLOG_HOST = re.compile(
    r"^(?:<\d{1,3}>)?(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?"
    r"(?:Z|[+-]\d\d:?\d\d)?) ([A-Za-z0-9][\w.-]*) [A-Za-z_][\w./-]*(?:\[\d+\])?:"
)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Subject(Protocol):
    """What an exception is matched against: an alert detection, or a hit the report counts."""

    @property
    def rule(self) -> str: ...
    @property
    def principal(self) -> str | None: ...
    @property
    def source(self) -> str | None: ...
    @property
    def log_stream(self) -> str: ...
    @property
    def host(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class AlertException:
    """One entry of `Alerts.Exceptions`, validated."""

    rule: str
    reason: str
    ticket: str
    owner: str
    expires: datetime  # aware, UTC; the exception covers events before it
    principal: str | None = None
    cidr: Network | None = None
    stream: str | None = None
    host: str | None = None

    @property
    def expires_ms(self) -> int:
        return int(self.expires.timestamp() * 1000)

    @property
    def match(self) -> str:
        """What it matches, as the report shows it: `principal=deploy, cidr=10.0.0.0/8`."""
        parts = (
            ("principal", self.principal),
            ("cidr", self.cidr),
            ("stream", self.stream),
            ("host", self.host),
        )
        return ", ".join(f"{name}={value}" for name, value in parts if value is not None)

    def matches(self, subject: Subject) -> bool:
        """The rule and every matcher given agree (expiry not considered)."""
        if subject.rule != self.rule:
            return False
        if self.principal is not None and subject.principal != self.principal:
            return False
        if self.cidr is not None and not _within(subject.source, self.cidr):
            return False
        if self.stream is not None and not fnmatchcase(subject.log_stream, self.stream):
            return False
        return self.host is None or (subject.host is not None and fnmatchcase(subject.host, self.host))


def exception_for(subject: Subject, exceptions: Iterable[AlertException], now: int) -> AlertException | None:
    """The first exception that matches `subject` and has not expired at `now` (epoch ms)."""
    for candidate in exceptions:
        if now < candidate.expires_ms and candidate.matches(subject):
            return candidate
    return None


def host_of(line: str) -> str | None:
    """The host a syslog line names (`Dec  5 03:21:10 bastion-a sudo: …` → `bastion-a`), else None."""
    found = _SYSLOG_HOST.match(line)
    return found.group(1) if found else None


def _within(source: str | None, network: Network) -> bool:
    if not source:
        return False
    try:
        return ipaddress.ip_address(source) in network
    except ValueError:  # a host name, not an address
        return False


def parse_exceptions(value: object, notified: Mapping[str, str]) -> tuple[AlertException, ...]:
    """`Alerts.Exceptions` → exceptions. `notified` maps every rule id to the id it is notified
    under (itself, or its thresholded group); each error names the entry and the key."""
    if not isinstance(value, list):
        raise ConfigError("config key 'Alerts.Exceptions' must be a list of objects")
    if len(value) > MAX_EXCEPTIONS:
        raise ConfigError(
            f"config key 'Alerts.Exceptions' holds {len(value)} entries; at most {MAX_EXCEPTIONS}"
        )
    return tuple(_entry(f"Alerts.Exceptions[{i}]", entry, notified) for i, entry in enumerate(value))


def _entry(path: str, entry: object, notified: Mapping[str, str]) -> AlertException:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"config key {path!r} must be an object")
    for key in entry:
        if key not in KEYS:
            raise ConfigError(f"unknown config key '{path}.{key}' (known: {', '.join(sorted(KEYS))})")
    for key in REQUIRED:
        if key not in entry:
            raise ConfigError(f"config key '{path}.{key}' is missing ({', '.join(REQUIRED)} are required)")
    if not any(key in entry for key in MATCHERS):
        raise ConfigError(f"config key {path!r} must match something: one or more of {', '.join(MATCHERS)}")
    text = {key: _text(f"{path}.{key}", entry[key]) for key in entry if key not in ("Cidr", "Expires")}
    return AlertException(
        rule=_rule(f"{path}.Rule", text["Rule"], notified),
        reason=text["Reason"],
        ticket=text["Ticket"],
        owner=text["Owner"],
        expires=expiry(f"{path}.Expires", entry["Expires"]),
        principal=text.get("Principal"),
        cidr=_cidr(f"{path}.Cidr", entry["Cidr"]) if "Cidr" in entry else None,
        stream=text.get("Stream"),
        host=text.get("Host"),
    )


def _text(path: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise ConfigError(f"config key {path!r} must be a non-empty string of at most {MAX_TEXT} characters")
    return value


def _rule(path: str, rule: str, notified: Mapping[str, str]) -> str:
    groups = set(notified.values())
    if rule in groups:
        return rule
    if rule in notified:
        raise ConfigError(
            f"config key {path!r}: {rule!r} is counted in the thresholded group {notified[rule]!r}, "
            f"which is what is notified; name the group"
        )
    raise ConfigError(f"config key {path!r}: no rule or group {rule!r} (known: {', '.join(sorted(groups))})")


def _cidr(path: str, value: object) -> Network:
    if not isinstance(value, str):
        raise ConfigError(f"config key {path!r} must be a CIDR string such as '203.0.113.0/24'")
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise ConfigError(f"config key {path!r}: {value!r} is not a CIDR block ({exc})") from None


def expiry(path: str, value: object) -> datetime:
    """`2026-12-31` (covers that whole UTC day) or `2026-12-31T18:00:00Z` (a time zone is required)."""
    if not isinstance(value, str):
        raise ConfigError(f"config key {path!r} must be a date (YYYY-MM-DD) or a date and time with a zone")
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value) + timedelta(days=1), time(), UTC)
        found = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"config key {path!r}: {value!r} is neither a date (YYYY-MM-DD) nor a date and time "
            f"(YYYY-MM-DDTHH:MM:SSZ)"
        ) from None
    if found.tzinfo is None:
        raise ConfigError(f"config key {path!r}: {value!r} has no time zone; add Z (UTC) or +HH:MM")
    return found.astimezone(UTC)
