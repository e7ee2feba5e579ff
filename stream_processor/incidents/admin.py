"""Every admin action of a day from its evidence: sudo commands, user and group changes, IAM
changes, root use (pure).

Each kept evidence event of those kinds is one row: time, who, kind, the full redacted detail
(the sudo command, the CloudTrail call with its parameters, else the line), and where (host or
account and region, log group and stream). At most `ROWS` rows, the earliest; `total` counts every
such event of the day, kept or not (exact: the evidence counts them per key).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .correlate import flatten, iso

ROWS = 500
KINDS = {"privilege": "sudo", "account_change": "account", "iam_change": "iam", "root": "root"}


def admin_actions(windows: Mapping[str, Mapping[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """(the rows, earliest first, at most `ROWS`; how many admin actions the day had)."""
    found, _ = flatten(windows)
    rows = [
        {
            "time": iso(f.item["t"]),
            "who": f.item.get("who"),
            "kind": KINDS[f.kind],
            "detail": f.item.get("detail") or f.item.get("line", ""),
            "host": f.item.get("host"),
            "log_group": f.group,
            "stream": f.item["stream"],
            "account": f.item.get("acct"),
            "region": f.item.get("region"),
            "rules": f.item.get("rules", []),
        }
        for f in found
        if f.kind in KINDS
    ]
    total = sum(
        entry["n"]
        for hours in windows.values()
        for window in hours.values()
        for kind, entries in (window.get("evidence") or {}).items()
        if kind in KINDS
        for entry in entries["keys"].values()
    )
    total += sum(
        entries["folded"]
        for hours in windows.values()
        for window in hours.values()
        for kind, entries in (window.get("evidence") or {}).items()
        if kind in KINDS
    )
    return rows[:ROWS], total
