"""The canned queries of `logreview query` (pure: SQL text only).

Each selects log events (one row per event, `CROSS JOIN UNNEST` of an envelope's `logevents`)
between two instants and prunes partitions by `dt`: an archive object sits under the UTC day of
its invocation's earliest event, so events of day D may be filed under D - 1 (an invocation that
ran past midnight); the day before is scanned too and event times decide. Values are rendered as
SQL literals (`literal`), never pasted raw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..errors import ReportError

TABLE = "archive"
REPORTS = "reports"
VIEW = "archive_events"
# One row per log event. Glue cannot unnest in a table definition: this view does, created once by
# `logreview query --setup` (also the named query ArchiveEventsViewQuery). Conditions on `dt` and
# `hour` prune partitions through it as they do on the table.
CREATE_VIEW = (
    f"CREATE OR REPLACE VIEW {VIEW} AS\n"
    'SELECT a.dt, a.hour, from_unixtime(e."timestamp" / 1000e0) AS time, e."timestamp" AS timestamp_ms,\n'
    "a.owner AS account, a.loggroup AS log_group, a.logstream AS log_stream, e.id AS event_id, e.message\n"
    f"FROM {TABLE} AS a CROSS JOIN UNNEST(a.logevents) AS t(e)"
)
DEFAULT_LIMIT = 1000
# sshd, PAM and CloudTrail's console sign-in: what counts as a login attempt in a message
LOGIN_PATTERN = (
    "(?i)accepted (password|publickey|keyboard-interactive)|failed password|invalid user"
    "|authentication failure|session opened|ConsoleLogin"
)
SUDO_USER = r"sudo(?:\[[0-9]+\])?:\s+(\S+)\s+:"  # `sudo:    alice : TTY=pts/0 ; ... COMMAND=/bin/ls`


@dataclass(frozen=True, slots=True)
class Window:
    """The instants a query covers: [start, end) in UTC."""

    start: datetime
    end: datetime

    @property
    def first_day(self) -> date:
        return self.start.date() - timedelta(days=1)  # an invocation archived before midnight

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(milliseconds=1)).date()


def instant(text: str, end: bool = False) -> datetime:
    """`YYYY-MM-DD` (start of that day; with `end`, start of the next) or an ISO-8601 time (UTC
    unless it says otherwise)."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ReportError(f"not a day (YYYY-MM-DD) or ISO-8601 time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def window(since: str, until: str) -> Window:
    """`--since` / `--until` (inclusive days, or times) → a window; refuses an empty one."""
    start, end = instant(since), instant(until, end=True)
    if end <= start:
        raise ReportError(f"--until {until} is not after --since {since}")
    return Window(start, end)


def literal(value: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def _day(day: date) -> str:
    return literal(day.isoformat())


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def events_sql(where: Window, condition: str, extra: str = "", limit: int = DEFAULT_LIMIT) -> str:
    """One row per log event in the window meeting `condition` (SQL over `a` and `e`)."""
    return (
        'SELECT from_unixtime(e."timestamp" / 1000e0) AS time, a.owner AS account, a.loggroup AS log_group,\n'
        f"a.logstream AS log_stream, {extra}e.message\n"
        f"FROM {TABLE} AS a CROSS JOIN UNNEST(a.logevents) AS t(e)\n"
        f"WHERE a.dt BETWEEN {_day(where.first_day)} AND {_day(where.last_day)}\n"
        f'AND e."timestamp" >= {_millis(where.start)} AND e."timestamp" < {_millis(where.end)}\n'
        f"AND {condition}\n"
        f"ORDER BY 1 LIMIT {int(limit)}"
    )


def sudo(where: Window, principal: str, limit: int = DEFAULT_LIMIT) -> str:
    """Every sudo command run by a principal (the user sudo names), with its command line."""
    user = f"regexp_extract(e.message, {literal(SUDO_USER)}, 1)"
    command = "regexp_extract(e.message, 'COMMAND=(.*)$', 1) AS command, "
    return events_sql(where, f"{user} = {literal(principal)}", command, limit)


def logins(where: Window, address: str, limit: int = DEFAULT_LIMIT) -> str:
    """Login attempts (accepted or failed) whose message names the address."""
    condition = (
        f"strpos(e.message, {literal(address)}) > 0 AND regexp_like(e.message, {literal(LOGIN_PATTERN)})"
    )
    return events_sql(where, condition, "", limit)


def events(where: Window, log_group: str, limit: int = DEFAULT_LIMIT) -> str:
    """Every event of one log group in the window."""
    return events_sql(where, f"a.loggroup = {literal(log_group)}", "", limit)


def reports(where: Window, _: str = "", limit: int = DEFAULT_LIMIT) -> str:
    """Per reported day: events, errors, security events, alerts and incidents (high severity
    apart), from the `reports` table; the window's days name the partitions read."""
    first, last = where.start.date(), (where.end - timedelta(milliseconds=1)).date()
    return (
        'SELECT r."date", r.revision, r.totals.events AS events, r.totals.errors AS errors,\n'
        "r.totals.security_events AS security_events, cardinality(r.alerts) AS alerts,\n"
        "cardinality(r.incidents) AS incidents,\n"
        "cardinality(filter(r.incidents, i -> i.severity = 'high')) AS high_incidents\n"
        f"FROM {REPORTS} AS r\n"
        f"WHERE r.day BETWEEN {literal(f'{first:%Y/%m/%d}')} AND {literal(f'{last:%Y/%m/%d}')}\n"
        f"ORDER BY 1 LIMIT {int(limit)}"
    )


@dataclass(frozen=True, slots=True)
class Canned:
    """A canned query: what it answers, the option it needs, and its SQL builder."""

    purpose: str
    option: str | None  # the argument it takes (`--principal`, ...), if any
    build: Callable[[Window, str, int], str]


CANNED: dict[str, Canned] = {
    "sudo": Canned("every sudo command by a principal", "principal", sudo),
    "logins": Canned("login attempts from an address (sshd, PAM, console sign-in)", "address", logins),
    "events": Canned("every event of a log group between two times", "log_group", events),
    "reports": Canned("events, alerts and incidents per reported day", None, reports),
}
