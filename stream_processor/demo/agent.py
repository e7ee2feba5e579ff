"""What the CloudWatch agent does to a log file before CloudWatch Logs sees it (pure, no I/O).

The agent configuration in `agent/amazon-cloudwatch-agent.json` is the one source of truth: each
`collect_list` entry's `multi_line_start_pattern` says where an event starts (continuation lines,
such as a stack trace, join the event before them) and its `timestamp_format` (strftime symbols,
translated to a regular expression the way the agent's translator does) gives the event's time.
The agent then sends events with PutLogEvents in time order, within the service limits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatch
from typing import Any

# PutLogEvents limits (CloudWatch Logs quotas)
MAX_EVENTS_PER_CALL = 10_000
MAX_BYTES_PER_CALL = 1_048_576
EVENT_OVERHEAD_BYTES = 26
MAX_EVENT_BYTES = 262_144 - EVENT_OVERHEAD_BYTES
MAX_SPAN_MS = 24 * 3_600_000
TRUNCATED = "[Truncated...]"

# strftime symbol → regular expression, as the agent's translator maps them (ruleTimestampFormat.go)
_SYMBOL_REGEX = {
    "%B": r"\w{3,9}",
    "%b": r"\w{3}",
    "%-m": r"\s?\d{1,2}",
    "%m": r"\d{2}",
    "%A": r"\w{6,9}",
    "%a": r"\w{3}",
    "%-d": r"\s?\d{1,2}",
    "%d": r"\d{2}",
    "%H": r"\d{2}",
    "%-H": r"\d{1,2}",
    "%-I": r"\d{1,2}",
    "%I": r"\d{2}",
    "%-M": r"\d{1,2}",
    "%M": r"\d{2}",
    "%-S": r"\d{1,2}",
    "%S": r"\d{2}",
    "%Y": r"\d{4}",
    "%y": r"\d{2}",
    "%p": r"\w{2}",
    "%Z": r"\w{3}",
    "%z": r"[+-]\d{4}",
    "%f": r"\d{1,9}",
}
_SYMBOL = re.compile("|".join(re.escape(s) for s in sorted(_SYMBOL_REGEX, key=len, reverse=True)))


@dataclass(frozen=True, slots=True)
class FileRule:
    """One `collect_list` entry: which files, where they go, how events start and are timed."""

    file_path: str
    log_group: str
    log_stream: str
    timestamp_format: str
    multi_line_start_pattern: str
    utc: bool = True

    @property
    def start(self) -> re.Pattern[str]:
        pattern = self.multi_line_start_pattern
        if pattern == "{timestamp_format}":
            pattern = timestamp_regex(self.timestamp_format)
        return re.compile(pattern)


# Used only when agent/amazon-cloudwatch-agent.json is not there (an installed copy of the package).
DEFAULT_RULE = FileRule(
    "/var/log/secure",
    "/admin/logs",
    "{instance_id}/secure",
    "%b %-d %H:%M:%S",
    r"^[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}",
)


def timestamp_regex(fmt: str) -> str:
    """The regular expression the agent derives from a `timestamp_format`."""
    parts: list[str] = []
    last = 0
    for found in _SYMBOL.finditer(fmt):
        parts.append(re.escape(fmt[last : found.start()]))
        parts.append(_SYMBOL_REGEX[found.group()])
        last = found.end()
    parts.append(re.escape(fmt[last:]))
    return "(" + "".join(parts) + ")"


def file_rules(config: Mapping[str, Any]) -> list[FileRule]:
    """Every `logs.logs_collected.files.collect_list` entry of an agent configuration document."""
    entries = config.get("logs", {}).get("logs_collected", {}).get("files", {}).get("collect_list", [])
    rules = []
    for entry in entries:
        fmt = entry.get("timestamp_format", "")
        rules.append(
            FileRule(
                file_path=entry.get("file_path", ""),
                log_group=entry.get("log_group_name", ""),
                log_stream=entry.get("log_stream_name", "{instance_id}"),
                timestamp_format=fmt,
                multi_line_start_pattern=entry.get("multi_line_start_pattern", "^.") or "^.",
                utc=entry.get("timezone", "LOCAL") == "UTC",
            )
        )
    return rules


def choose_rule(rules: Sequence[FileRule], log_group: str, path: str, first_line: str) -> FileRule:
    """The entry for a file: same log group and matching `file_path`, else one whose start
    pattern matches the file's first line, else the group's first entry (or the default)."""
    candidates = [rule for rule in rules if rule.log_group == log_group] or list(rules)
    for rule in candidates:
        if fnmatch(path, rule.file_path):
            return rule
    for rule in candidates:
        if rule.start.search(first_line):
            return rule
    return candidates[0] if candidates else DEFAULT_RULE


def group_lines(lines: Iterable[str], start: re.Pattern[str]) -> Iterator[str]:
    """Join continuation lines (not matching the start pattern) to the event before them."""
    current: list[str] = []
    for line in lines:
        if current and start.search(line):
            yield truncate("\n".join(current))
            current = []
        current.append(line)
    if current:
        yield truncate("\n".join(current))


def truncate(message: str) -> str:
    """Cut an event to the service's maximum size, marking it as the agent does."""
    if len(message) * 4 <= MAX_EVENT_BYTES:
        return message
    data = message.encode("utf-8")
    if len(data) <= MAX_EVENT_BYTES:
        return message
    keep = MAX_EVENT_BYTES - len(TRUNCATED)
    return data[:keep].decode("utf-8", "ignore") + TRUNCATED


def parse_timestamp(message: str, rule: FileRule, now: float) -> int | None:
    """The event time in ms from its first line, or None when the format does not match."""
    if not rule.timestamp_format:
        return None
    found = re.search(timestamp_regex(rule.timestamp_format), message.split("\n", 1)[0])
    if found is None:
        return None
    fmt = rule.timestamp_format.replace("%-", "%")
    text = found.group(1)
    if "%f" in fmt:
        text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        parsed = datetime.strptime(text, fmt)  # zone: from the agent config
    except ValueError:
        return None
    if "%y" not in fmt.lower():  # no year in the format: the agent assumes the current one
        parsed = parsed.replace(year=time.gmtime(now).tm_year)
        if _epoch(parsed, rule.utc) > now + 86_400:
            parsed = parsed.replace(year=parsed.year - 1)
    return round(_epoch(parsed, rule.utc) * 1000)


def _epoch(moment: datetime, utc: bool) -> float:
    if moment.tzinfo is not None:
        return moment.timestamp()
    return moment.replace(tzinfo=UTC).timestamp() if utc else moment.timestamp()


def file_events(lines: Iterable[str], rule: FileRule, now: float) -> tuple[list[dict[str, Any]], int]:
    """Events of one file, in time order, and how many had no readable timestamp (those take the
    time of the event before them, or `now`, so the order of the file is kept)."""
    events: list[dict[str, Any]] = []
    untimed = 0
    previous = round(now * 1000)
    for message in group_lines(lines, rule.start):
        if not message.strip():
            continue
        stamp = parse_timestamp(message, rule, now)
        if stamp is None:
            untimed += 1
            stamp = events[-1]["timestamp"] if events else previous
        events.append({"timestamp": stamp, "message": message})
    events.sort(key=lambda event: event["timestamp"])
    return events, untimed


def event_size(event: Mapping[str, Any]) -> int:
    message: str = event["message"]
    size = len(message) if message.isascii() else len(message.encode("utf-8"))
    return size + EVENT_OVERHEAD_BYTES


def put_batches(events: Sequence[dict[str, Any]], flush_ms: int) -> Iterator[list[dict[str, Any]]]:
    """PutLogEvents calls for one log stream's time-ordered events: one call per flush window
    (aligned to the clock, so a call never spans two windows), split at the service limits."""
    batch: list[dict[str, Any]] = []
    size = 0
    window = None
    for event in events:
        stamp = event["timestamp"]
        this_window = stamp // flush_ms
        added = event_size(event)
        if batch and (
            this_window != window
            or len(batch) >= MAX_EVENTS_PER_CALL
            or size + added > MAX_BYTES_PER_CALL
            or stamp - batch[0]["timestamp"] >= MAX_SPAN_MS
        ):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += added
        window = this_window
    if batch:
        yield batch
