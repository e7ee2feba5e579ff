"""Which UTC days a run reports: the event's day, ranges, and the late-data lookback (pure)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .errors import ReportError

MAX_RANGE_DAYS = 366


def parse_day(text: str) -> date:
    """`YYYY-MM-DD` → date; anything else is a clear error."""
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ReportError(f"not a date (YYYY-MM-DD): {text!r}") from None


def parse_time(text: object) -> datetime:
    if not isinstance(text, str):
        raise ReportError(f"scheduled event has no usable 'time': {text!r}")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ReportError(f"scheduled event 'time' is not ISO-8601: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_scheduled(event: Mapping[str, Any]) -> bool:
    return event.get("detail-type") == "Scheduled Event" or event.get("source") == "aws.events"


def report_day(event: Mapping[str, Any], days_back: int = 1) -> date:
    """The day an invocation reports (or seals).

    An EventBridge scheduled event reports the UTC day `days_back` days before its `time` (the run
    at 00:15 reports the day that just ended); `{"date": "YYYY-MM-DD"}` reports that day.
    """
    if "date" in event:
        return parse_day(event["date"])
    if is_scheduled(event):
        return (parse_time(event.get("time")).astimezone(UTC) - timedelta(days=days_back)).date()
    raise ReportError(
        f"event is neither a scheduled event nor {{'date': 'YYYY-MM-DD'}}: keys {sorted(event)[:10]}"
    )


def day_range(first: date, last: date) -> list[date]:
    """Every day from `first` to `last` inclusive."""
    if last < first:
        raise ReportError(f"--to {last} is before --from {first}")
    count = (last - first).days + 1
    if count > MAX_RANGE_DAYS:
        raise ReportError(f"{count} days requested; at most {MAX_RANGE_DAYS} per run")
    return [first + timedelta(days=i) for i in range(count)]


def lookback(day: date, days: int) -> Iterator[date]:
    """The `days` days before `day`, most recent first: where late data may have landed."""
    for back in range(1, max(0, days) + 1):
        yield day - timedelta(days=back)


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
