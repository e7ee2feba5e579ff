"""A generated day of CloudWatch subscription batches with its ground truth, for the reliability
proofs (delivered by tests/support/lambda_delivery.py, checked by tests/support/readers.py).

The ground truth is computed from the generator's own labels, not by running our parser, so a
lost or double-counted event shows up as a difference.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.support.builders import compress, envelope, subscription_event

GROUPS = ("/admin/logs", "/operator/logs")
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
NEXT_DAY = "2025-11-27"  # the generated day is 2025-11-26; its last batch crosses midnight

# (weight, level, security rules, message template); `{n}` varies per event
TEMPLATES: tuple[tuple[int, str, tuple[str, ...], str], ...] = (
    (
        30,
        "INFO",
        (),
        '{{"level":"info","user":"alice","action":"ListBuckets","status":"200","latency_ms":{n}}}',
    ),
    (20, "INFO", (), 'level=info msg="request done" user=erin action=GetItem status=200 duration_ms={n}'),
    (8, "DEBUG", (), "DEBUG cache miss key=user:{n}"),
    (8, "WARN", (), "WARN disk usage at {n}% on /var"),
    (6, "ERROR", (), "ERROR payment failed for order {n}: upstream timeout"),
    (2, "CRITICAL", (), "CRITICAL database connection pool exhausted after {n} waits"),
    (
        3,
        "UNKNOWN",
        ("ssh_failed_login",),
        "Failed password for invalid user admin from 10.0.0.{n} port 22 ssh2",
    ),
    (
        2,
        "WARN",
        ("cis_iam_policy_changes",),
        '{{"level":"warn","eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy",'
        '"user":"bob","n":{n}}}',
    ),
    (2, "ERROR", ("aws_access_denied",), "ERROR AccessDenied: user carol is not authorized (request {n})"),
    (
        1,
        "INFO",
        ("aws_resource_deleted", "cis_root_account_usage"),
        '{{"level":"info","eventVersion":"1.08","eventType":"AwsApiCall","eventName":"TerminateInstances",'
        '"userIdentity":{{"type":"Root"}},"n":{n}}}',
    ),
)
_WEIGHTS = [t[0] for t in TEMPLATES]


def day_start_ms(date: str) -> int:
    return int(datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() * 1000)


@dataclass
class Truth:
    """What the report must say, per date and log group, counted from the generator's labels."""

    days: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def add(self, group: str, stamp: int, level: str, rules: tuple[str, ...]) -> None:
        date = time.strftime("%Y-%m-%d", time.gmtime(stamp // 1000))
        entry = self.days.setdefault(date, {}).setdefault(group, empty_counts())
        hour = stamp // HOUR_MS % 24
        error = level in ("ERROR", "CRITICAL")
        entry["events"] += 1
        entry["errors"] += error
        entry["levels"][level] = entry["levels"].get(level, 0) + 1
        for rule in rules:
            entry["security"][rule] = entry["security"].get(rule, 0) + 1
        entry["hourly"][hour][0] += 1
        entry["hourly"][hour][1] += error

    def total(self, date: str, key: str = "events") -> int:
        return sum(group[key] for group in self.days.get(date, {}).values())


def empty_counts() -> dict[str, Any]:
    return {"events": 0, "errors": 0, "levels": {}, "security": {}, "hourly": [[0, 0] for _ in range(24)]}


@dataclass
class Day:
    """A generated day: compressed payloads (each a CloudWatch subscription batch) and the truth."""

    date: str
    payloads: list[bytes]
    truth: Truth

    @property
    def events(self) -> int:
        return self.truth.total(self.date)

    def lambda_events(self) -> list[dict[str, Any]]:
        return [subscription_event(raw) for raw in self.payloads]


def batch_sizes(rng: random.Random, total: int, largest: int) -> list[int]:
    """Sizes 1..largest summing to `total`, log-uniform so 1, tens and thousands all occur."""
    sizes: list[int] = []
    left = total
    while left > 0:
        size = min(left, largest, int(10 ** rng.uniform(0, math.log10(largest + 1))))
        sizes.append(max(1, size))
        left -= sizes[-1]
    return sizes


def generate_day(
    seed: int,
    events: int,
    date: str = "2025-11-26",
    largest: int = 10_000,
    cross_midnight: bool = True,
    sizes: list[int] | None = None,
) -> Day:
    """A day of batches across both log groups; the last batch crosses into the next day."""
    rng = random.Random(seed)
    start = day_start_ms(date)
    truth = Truth()
    payloads = []
    sizes = sizes or batch_sizes(rng, events, largest)
    for index, size in enumerate(sizes):
        group = GROUPS[index % 2]
        last = cross_midnight and index == len(sizes) - 1
        first_ts = start + DAY_MS - 60_000 if last else start + rng.randrange(DAY_MS - HOUR_MS)
        span = 120_000 if last else rng.randrange(1, HOUR_MS)
        stream = f"i-{seed:04x}{index:012x}"
        batch = []
        for n in range(size):
            stamp = first_ts + span * n // size
            _, level, rules, template = rng.choices(TEMPLATES, _WEIGHTS)[0]
            message = template.format(n=rng.randrange(1, 1000))
            event_id = f"{stamp:020d}{seed:08d}{index:08d}{n:020d}"
            batch.append({"id": event_id, "timestamp": stamp, "message": message})
            truth.add(group, stamp, level, rules)
        payloads.append(compress(envelope(batch, log_group=group, log_stream=stream)))
    return Day(date, payloads, truth)
