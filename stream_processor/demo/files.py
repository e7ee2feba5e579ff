"""`--logs`: a user's own log files turned into log events the way the CloudWatch agent would.

The multi-line start pattern and timestamp format come from the agent configuration in
`agent/amazon-cloudwatch-agent.json` (the entry for the chosen log group whose `file_path` matches,
or whose start pattern matches the file's first line). CloudWatch Logs accepts events from the last
14 days only, so an older file is moved forward by whole days (each file on its own), keeping its
time of day.
"""

from __future__ import annotations

import gzip
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..errors import LogReviewError
from .agent import DEFAULT_RULE, FileRule, choose_rule, file_events, file_rules

AGENT_CONFIG = Path(__file__).resolve().parents[2] / "agent" / "amazon-cloudwatch-agent.json"
DAY_MS = 86_400_000
ACCEPTED_AGE_MS = 14 * DAY_MS

Event = dict[str, Any]


@dataclass(slots=True)
class FileFeed:
    """Events per (log group, log stream) read from files, and what the reader had to say."""

    streams: dict[tuple[str, str], list[Event]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    shifted_days: dict[str, int] = field(default_factory=dict)


def agent_rules(path: Path = AGENT_CONFIG) -> list[FileRule]:
    """The agent configuration's file rules; the built-in default when the file is not there."""
    if not path.is_file():
        return [DEFAULT_RULE]
    try:
        return file_rules(orjson.loads(path.read_bytes())) or [DEFAULT_RULE]
    except (orjson.JSONDecodeError, AttributeError) as exc:
        raise LogReviewError(f"cannot read the agent configuration {path}: {exc}") from None


def _lines(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":  # rotated logs are often gzipped (auth.log.2.gz)
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise LogReviewError(f"cannot read {path}: {exc}") from None
    return raw.decode("utf-8", "replace").splitlines()


def _stream_name(template: str) -> str:
    host = socket.gethostname() or "localhost"
    return (
        template.replace("{instance_id}", "i-local")
        .replace("{hostname}", host)
        .replace("{ip_address}", "127.0.0.1")
    )


def read_files(paths: Sequence[str], group: str, rules: Sequence[FileRule], now: float) -> FileFeed:
    """Group each file's lines into events with its agent rule; one log stream per file."""
    feed = FileFeed()
    for name in paths:
        path = Path(name)
        lines = _lines(path)
        first = next((line for line in lines if line.strip()), "")
        rule = choose_rule(rules, group, str(path.resolve()), first)
        if lines and not any(rule.start.search(line) for line in lines):
            feed.notes.append(f"{path.name}: no line matches the start pattern; one event per line")
            rule = FileRule(rule.file_path, group, rule.log_stream, rule.timestamp_format, "^", rule.utc)
        events, untimed = file_events(lines, rule, now)
        if untimed:
            feed.notes.append(
                f"{path.name}: {untimed:,} events without a readable timestamp kept in file order"
            )
        stream = _stream_name(rule.log_stream)
        if (group, stream) in feed.streams:
            stream = f"{stream}/{path.name}"
        feed.streams[(group, stream)] = events
        days = shift_into_window(events, round(now * 1000))
        if days:
            feed.shifted_days[path.name] = days
            direction = "forward" if days > 0 else "back"
            feed.notes.append(
                f"{path.name}: timestamps moved {abs(days)} days {direction}, as CloudWatch Logs accepts "
                "events from the last 14 days (and up to 2 hours ahead) only"
            )
    if not any(feed.streams.values()):
        raise LogReviewError("the log files hold no events")
    return feed


def shift_into_window(events: Sequence[Event], now_ms: int) -> int:
    """Move a file's events forward by whole days when its newest is too old to be accepted (or
    back when it lies in the future), so the newest lands within the last day. Returns the days."""
    if not events:
        return 0
    newest = max(event["timestamp"] for event in events)
    if 0 <= now_ms - newest < ACCEPTED_AGE_MS - DAY_MS:
        return 0
    age_days = (now_ms - newest) // DAY_MS
    for event in events:
        event["timestamp"] += age_days * DAY_MS
    return int(age_days)
