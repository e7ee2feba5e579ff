"""The UTC day range a replay covers (`--since`/`--until`, both inclusive, either open)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import LogReviewError

_DAY_MS = 86_400_000
_EPOCH = dt.date(1970, 1, 1)


def parse_day(text: str) -> dt.date:
    """`YYYY-MM-DD` → date, with an error naming the bad value."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise LogReviewError(f"not a date (want YYYY-MM-DD): {text!r}") from None


def day_ms(day: dt.date) -> int:
    """Milliseconds since the epoch at 00:00 UTC of `day`."""
    return (day - _EPOCH).days * _DAY_MS


def day_of(timestamp_ms: int) -> dt.date:
    """The UTC day of an event timestamp."""
    return _EPOCH + dt.timedelta(days=timestamp_ms // _DAY_MS)


@dataclass(frozen=True, slots=True)
class DayRange:
    """Inclusive UTC days; `None` leaves that end open."""

    since: dt.date | None = None
    until: dt.date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise LogReviewError(f"--since {self.since} is after --until {self.until}")

    @classmethod
    def parse(cls, since: str | None, until: str | None) -> DayRange:
        return cls(parse_day(since) if since else None, parse_day(until) if until else None)

    @property
    def is_open(self) -> bool:
        """True when every day is in range."""
        return self.since is None and self.until is None

    def covers_day(self, day: dt.date) -> bool:
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def covers_ms(self, timestamp_ms: int) -> bool:
        if self.since is not None and timestamp_ms < day_ms(self.since):
            return False
        return self.until is None or timestamp_ms < day_ms(self.until) + _DAY_MS

    def touches(self, events: Iterable[dict[str, Any]]) -> bool:
        """True when at least one event falls on a day in range."""
        return self.is_open or any(self.covers_ms(event["timestamp"]) for event in events)

    def lookback(self, day: dt.date) -> bool:
        """The day before `since`: its archived batches may run past midnight into the range."""
        return self.since is not None and day == self.since - dt.timedelta(days=1)

    def as_strings(self) -> tuple[str | None, str | None]:
        return (
            self.since.isoformat() if self.since else None,
            self.until.isoformat() if self.until else None,
        )
