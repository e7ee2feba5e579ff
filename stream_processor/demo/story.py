"""A realistic day of admin and operator logs with a story a reviewer should notice (pure).

Normal traffic is sshd lines and an admin tool's logfmt audit lines in `/admin/logs`, and an
application's JSON request logs, logfmt job lines and plain-text lines in `/operator/logs`. Planted
in it: a burst of failed logins followed by a privilege change, an hour in which the operator
stream goes silent, an error burst (with multi-line stack traces, one event each) and a latency
spike. Events are what the CloudWatch agent would send: one per log record, timestamps in order.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import messages

ADMIN = "/admin/logs"
OPERATOR = "/operator/logs"
HOUR_MS = 3_600_000
ADMIN_SHARE = 0.25
MIN_HOURS = 4
ATTACKER_IP = "203.0.113.45"

Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Story:
    """The day and where (which UTC hour) each planted incident happens."""

    day: str
    hours: int
    failed_logins_hour: int
    silent_hour: int
    error_hour: int
    latency_hour: int

    @classmethod
    def plan(cls, day: str, hours: int = 24) -> Story:
        """Hours 00..hours-1 of `day`; the incidents spread over them in a fixed order."""
        if not MIN_HOURS <= hours <= 24:
            raise ValueError(f"hours must be between {MIN_HOURS} and 24, got {hours}")
        return cls(day, hours, hours * 3 // 24, hours * 9 // 24, hours * 14 // 24, hours * 19 // 24)

    @property
    def start_ms(self) -> int:
        return messages.day_start_ms(self.day)


@dataclass(slots=True)
class DayLogs:
    """Generated events per (log group, log stream), each list in time order."""

    story: Story
    streams: dict[tuple[str, str], list[Event]] = field(default_factory=dict)
    failed_logins: int = 0

    @property
    def events(self) -> int:
        return sum(len(events) for events in self.streams.values())

    def by_group(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for (group, _), events in self.streams.items():
            counts[group] += len(events)
        return counts


def hour_weight(hour: int) -> float:
    """More traffic in business hours (peak early afternoon UTC), never none."""
    return 0.35 + 0.65 * math.exp(-(((hour - 13) / 4.5) ** 2))


def quotas(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights`, exactly (largest remainder)."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: counts[i] - shares[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def generate(story: Story, events: int, seed: int = 7) -> DayLogs:
    """About `events` events over the story's hours (the planted burst adds a few dozen)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic log data, not security
    hours = range(story.hours)
    admin_weights = [hour_weight(h) for h in hours]
    operator_weights = [
        0.0 if h == story.silent_hour else hour_weight(h) * (1.3 if h == story.error_hour else 1.0)
        for h in hours
    ]
    admin_total = round(events * ADMIN_SHARE)
    logs = DayLogs(story)
    admin = messages.AdminTraffic(rng)
    operator = messages.OperatorTraffic(rng)
    for hour, count in zip(hours, quotas(admin_total, admin_weights), strict=True):
        for stream, event in admin.hour(_offsets(rng, story, hour, count)):
            logs.streams.setdefault((ADMIN, stream), []).append(event)
    for hour, count in zip(hours, quotas(events - admin_total, operator_weights), strict=True):
        mode = "errors" if hour == story.error_hour else "slow" if hour == story.latency_hour else "normal"
        for stream, event in operator.hour(_offsets(rng, story, hour, count), mode):
            logs.streams.setdefault((OPERATOR, stream), []).append(event)
    burst_start = story.start_ms + story.failed_logins_hour * HOUR_MS + 17 * 60_000
    burst = messages.failed_login_burst(rng, burst_start, ATTACKER_IP)
    for stream, event in burst:
        logs.streams.setdefault((ADMIN, stream), []).append(event)
    logs.failed_logins = sum(1 for _, event in burst if "Failed password" in event["message"])
    for stream_events in logs.streams.values():
        stream_events.sort(key=lambda event: event["timestamp"])
    return logs


def _offsets(rng: random.Random, story: Story, hour: int, count: int) -> list[int]:
    start = story.start_ms + hour * HOUR_MS
    return sorted(start + rng.randrange(HOUR_MS) for _ in range(count))
