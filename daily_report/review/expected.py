"""Which log groups a report expects to hear from (pure).

Expected = the groups the configuration names (the two seed groups, then `LogConfig.LogGroups`)
∪ the groups matching a `LogConfig.LogGroupPrefixes` prefix that had at least one event on some
day of the history: the stored reports of the baseline days (`Report.BaselineDays`, at least the
previous day; for a weekly or monthly report, the previous periods). A prefix-matched group that
stops sending is therefore reported as silent, and alerts, for as long as the history remembers
it having events, then drops out by itself: a group deleted on purpose stops alerting after the
baseline days, and a group created today is expected from tomorrow on. Only events count as
"seen", so a silent day (which the report lists with zero events) never keeps a group expected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stream_processor.config import Config
from stream_processor.onboard.selection import Selection

History = Sequence[tuple[str, Mapping[str, Any] | None]]  # (date or period label, stored report or None)


def seen(history: History, prefixes: Sequence[str]) -> set[str]:
    """Groups matching a prefix that had an event in some report of the history."""
    selection = Selection(prefixes=tuple(prefixes))
    found: set[str] = set()
    for _, report in history:
        groups = (report or {}).get("log_groups")
        if not isinstance(groups, Mapping):
            continue
        found.update(
            name
            for name, section in groups.items()
            if isinstance(section, Mapping) and section.get("events", 0) > 0 and selection.selects(name)
        )
    return found


def expected_groups(config: Config, history: History) -> tuple[str, ...]:
    """The named groups in the configuration's order, then the prefix groups seen, by name."""
    named = config.log_groups
    return (*named, *sorted(seen(history, config.log_group_prefixes) - set(named)))
