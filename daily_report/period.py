"""Weekly and monthly views: the same report sections over several days (pure parts).

A period report merges the days' stored merged aggregates (`reports/YYYY/MM/DD/aggregate.json.gz`,
written by every daily run), never the partials again, so it is as exact as the daily reports
and costs one GET per day. Hourly figures become hour-of-day totals over the period.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from stream_processor import aggregate

from .errors import ReportError

_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True)
class Period:
    """A week (ISO) or a calendar month."""

    kind: str  # "weekly" | "monthly"
    label: str  # "2026-W48" | "2026-11"
    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def previous(self) -> Period:
        """The period just before this one."""
        before = self.first - timedelta(days=1)
        if self.kind == "weekly":
            year, week, _ = before.isocalendar()
            return week_of(f"{year}-W{week:02d}")
        return month_of(f"{before.year}-{before.month:02d}")


def week_of(text: str) -> Period:
    """`YYYY-Www` (ISO week) → Period; anything else is a clear error."""
    found = _WEEK.fullmatch(text)
    try:
        if not found:
            raise ValueError(text)
        first = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise ReportError(f"not an ISO week (YYYY-Www, e.g. 2026-W48): {text!r}") from None
    return Period("weekly", text, first, first + timedelta(days=6))


def month_of(text: str) -> Period:
    """`YYYY-MM` → Period; anything else is a clear error."""
    found = _MONTH.fullmatch(text)
    try:
        if not found:
            raise ValueError(text)
        first = date(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise ReportError(f"not a month (YYYY-MM, e.g. 2026-11): {text!r}") from None
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Period("monthly", text, first, following - timedelta(days=1))


def merge_days(partials: Iterable[aggregate.Partial]) -> aggregate.Partial:
    """The days' merged aggregates as one partial (dates dropped: windows add by hour of day)."""
    total = aggregate.empty()
    for partial in partials:
        aggregate.merge_into(total, {**partial, "date": None})
    return total


def period_of_event(event: dict[str, object], today: date) -> Period | None:
    """`{"week": "YYYY-Www"}`, `{"month": "YYYY-MM"}`, or `{"period": "weekly"|"monthly"}` (the last
    complete week or month before `today`, for a schedule); None for a daily event."""
    if isinstance(event.get("week"), str):
        return week_of(str(event["week"]))
    if isinstance(event.get("month"), str):
        return month_of(str(event["month"]))
    kind = event.get("period")
    if kind is None:
        return None
    if kind == "weekly":
        year, week, _ = (today - timedelta(days=7)).isocalendar()
        return week_of(f"{year}-W{week:02d}")
    if kind == "monthly":
        before = today.replace(day=1) - timedelta(days=1)
        return month_of(f"{before.year}-{before.month:02d}")
    raise ReportError(f"'period' must be 'weekly' or 'monthly', got {kind!r}")
