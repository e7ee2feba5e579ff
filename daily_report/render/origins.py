"""Where the day's batches came from: the owner accounts and the regions, in the text and HTML
reports when there is more than one of either (pure). One account in one region, the common case,
adds nothing to the page; the JSON report always has both sections."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .formatting import inert, number, percent

KINDS = (("accounts", "account"), ("regions", "region"))
GROUPS_LISTED = 5  # log groups named per account or region, the largest first


def shown(report: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(label, entries) of each dimension with more than one key."""
    return [(label, report.get(name) or {}) for name, label in KINDS if len(report.get(name) or {}) > 1]


def groups_note(entry: Mapping[str, Any]) -> str:
    """`/admin/logs 1,000, /operator/logs 234 and 3 more`: the largest groups of one key."""
    groups: Mapping[str, Mapping[str, int]] = entry["log_groups"]
    ranked = sorted(groups, key=lambda name: (-groups[name]["events"], name))
    named = ", ".join(
        f"{inert(name, 60)} {number(groups[name]['events'])}" for name in ranked[:GROUPS_LISTED]
    )
    more = len(ranked) - GROUPS_LISTED
    return named + (f" and {number(more)} more" if more > 0 else "")


def rows(entries: Mapping[str, Mapping[str, Any]]) -> Iterator[list[str]]:
    """key, events, errors, error rate, security events, batches, log groups (all inert text)."""
    for key, entry in entries.items():
        yield [
            inert(key, 40),
            number(entry["events"]),
            number(entry["errors"]),
            percent(entry["error_rate"]),
            number(entry["security_events"]),
            number(entry["batches"]),
            groups_note(entry),
        ]


def text_lines(report: Mapping[str, Any]) -> Iterator[str]:
    """One line per account and per region (nothing when each has a single key)."""
    for label, entries in shown(report):
        yield _line([label, "events", "errors", "err rate", "security", "batches", "log groups"])
        yield from map(_line, rows(entries))


def _line(cells: list[str]) -> str:
    key, events, errors, error_rate, security, batches, groups = cells
    return f"{key:<16}{events:>10}{errors:>9}{error_rate:>10}{security:>10}{batches:>9}  {groups}"
