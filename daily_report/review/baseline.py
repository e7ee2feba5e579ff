"""What changed: a day's figures against the previous day and a trailing baseline (pure).

For each log group the reference of a figure is the median of the same figure over the baseline
days (the stored reports of the previous `Report.BaselineDays` days, fewer when history is
short), and its spread a robust one: 1.4826 × the median absolute deviation, floored so that a
perfectly flat history does not flag every small wobble (a tenth of the median, and a per-figure
minimum). A figure is flagged when it is further from the median than `threshold` spreads.
Figures: events, errors, error rate, p95/p99 latency, each security rule's count, and each
hour's events and error rate.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Report = Mapping[str, Any]
MAD_SCALE = 1.4826  # MAD → standard deviation for normal data
RELATIVE_FLOOR = 0.10


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure of a group's day: how to read it from a report section, and its smallest spread."""

    name: str
    read: Callable[[Mapping[str, Any]], float | None]
    floor: float


def _latency(name: str) -> Callable[[Mapping[str, Any]], float | None]:
    def read(section: Mapping[str, Any]) -> float | None:
        latency = section.get("latency_ms")
        return None if not latency else float(latency[name])

    return read


def _hourly(hour: int, key: str) -> Callable[[Mapping[str, Any]], float | None]:
    def read(section: Mapping[str, Any]) -> float | None:
        counts = section["hourly"][hour]
        if key == "events":
            return float(counts["events"])
        return counts["errors"] / counts["events"] if counts["events"] else 0.0

    return read


def _rule(rule: str) -> Callable[[Mapping[str, Any]], float | None]:
    return lambda section: float(section.get("security_events", {}).get(rule, 0))


def figures(sections: Sequence[Mapping[str, Any]]) -> list[Figure]:
    """Every figure compared for a group, given its sections (today's first, then history)."""
    found = [
        Figure("events", lambda s: float(s["events"]), 5.0),
        Figure("errors", lambda s: float(s["errors"]), 3.0),
        Figure("error_rate", lambda s: float(s["error_rate"]), 0.01),
        Figure("latency_p95", _latency("p95"), 5.0),
        Figure("latency_p99", _latency("p99"), 5.0),
    ]
    rules = sorted({rule for section in sections for rule in section.get("security_events", {})})
    found += [Figure(f"security.{rule}", _rule(rule), 3.0) for rule in rules]
    for hour in range(24):
        found.append(Figure(f"hour.{hour:02d}.events", _hourly(hour, "events"), 5.0))
        found.append(Figure(f"hour.{hour:02d}.error_rate", _hourly(hour, "error_rate"), 0.02))
    return found


def _reference(values: Sequence[float], floor: float) -> tuple[float, float]:
    median = statistics.median(values)
    mad = statistics.median(abs(value - median) for value in values)
    return median, max(MAD_SCALE * mad, RELATIVE_FLOOR * abs(median), floor)


def compare_group(
    today: Mapping[str, Any], history: Sequence[tuple[str, Mapping[str, Any] | None]], threshold: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(`baseline`, `changes`) of one group; `history` is (date, section or None), newest first."""
    days = [(day, section) for day, section in history if section is not None]
    baseline: dict[str, Any] = {
        "days": [day for day, _ in days],
        "history_days": len(days),
        "previous_day": days[0][0] if days and days[0][0] == history[0][0] else None,
        "reference": {},
    }
    changes: list[dict[str, Any]] = []
    if not days:
        return baseline, changes
    for figure in figures([today, *(section for _, section in days)]):
        value = figure.read(today)
        past = [v for _, section in days if (v := figure.read(section)) is not None]
        if value is None or not past:
            continue
        median, spread = _reference(past, figure.floor)
        previous = figure.read(days[0][1]) if baseline["previous_day"] else None
        if not figure.name.startswith("hour."):
            baseline["reference"][figure.name] = {
                "median": _round(median),
                "spread": _round(spread),
                "previous": None if previous is None else _round(previous),
                "series": [_round(v) for v in reversed(past)],
            }
        score = abs(value - median) / spread
        if score > threshold:
            changes.append(
                {
                    "metric": figure.name,
                    "value": _round(value),
                    "reference": _round(median),
                    "ratio": None if median == 0 else _round(value / median),
                    "score": _round(score),
                    "direction": "up" if value > median else "down",
                }
            )
    changes.sort(key=lambda change: (-change["score"], change["metric"]))
    return baseline, changes


def _round(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 4)
