"""logreview query's pure parts: canned SQL (literals, the day before as partition), the result
pages (the label row dropped once), a failed query's reason, and the output formats."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daily_report.errors import ReportError
from daily_report.query import athena, canned, output
from daily_report.query import cli as query_cli
from stream_processor.cli import build_parser


def _page(rows: list[list[str | None]], columns: list[str]) -> dict[str, Any]:
    data = [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in rows]
    info = [{"Name": c, "Label": c} for c in columns]
    return {"ResultSet": {"Rows": data, "ResultSetMetadata": {"ColumnInfo": info}}}


@given(st.lists(st.lists(st.one_of(st.none(), st.text(max_size=5)), min_size=2, max_size=2), max_size=30),
       st.integers(1, 7))  # fmt: skip
def test_rows_over_pages_drop_only_the_first_label_row(rows: list[list[str | None]], size: int) -> None:
    columns = ["a", "b"]
    everything = [columns, *rows]  # a SELECT's first row repeats the labels
    pages = [_page(everything[i : i + size], columns) for i in range(0, len(everything), size)]
    assert athena.rows_of(pages) == (columns, rows)


def test_a_failed_query_says_why() -> None:
    execution = {
        "QueryExecutionId": "q-1",
        "Status": {
            "State": "FAILED",
            "StateChangeReason": "SYNTAX_ERROR: line 1:8: Column 'x' cannot be resolved",
        },
    }
    with pytest.raises(athena.QueryError, match="query q-1 failed: SYNTAX_ERROR: line 1:8: Column 'x'"):
        athena.outcome(execution)
    running = {
        "QueryExecutionId": "q-2",
        "Status": {"State": "RUNNING"},
        "Statistics": {"DataScannedInBytes": 7},
    }
    assert athena.outcome(running) == athena.Progress("q-2", "RUNNING", 7, 0)


@given(st.text(max_size=40))
def test_values_are_sql_literals(value: str) -> None:
    sql = canned.events(canned.window("2026-12-01", "2026-12-02"), value)
    quoted = canned.literal(value)
    assert quoted[0] == quoted[-1] == "'" and "'" not in quoted[1:-1].replace("''", "")
    assert f"a.loggroup = {quoted}\n" in sql


def test_the_window_scans_the_day_before_and_bounds_event_times() -> None:
    sql = canned.logins(canned.window("2026-12-01", "2026-12-06"), "203.0.113.7", limit=5)
    assert "a.dt BETWEEN '2026-11-30' AND '2026-12-06'" in sql  # an invocation archived before midnight
    assert 'e."timestamp" >= 1796083200000 AND e."timestamp" < 1796601600000' in sql  # [12-01, 12-07)
    assert sql.endswith("LIMIT 5")
    timed = canned.window("2026-12-01T10:00:00Z", "2026-12-01T11:30")
    assert (timed.first_day.isoformat(), timed.last_day.isoformat()) == ("2026-11-30", "2026-12-01")
    with pytest.raises(ReportError, match="is not after"):
        canned.window("2026-12-02", "2026-12-01T00:00")
    with pytest.raises(ReportError, match="not a day"):
        canned.window("yesterday", "2026-12-01")


def test_output_formats_keep_every_value() -> None:
    columns, rows = ["a", "b"], [["x\ny", None], ["1", "2"]]
    assert output.as_csv(columns, rows) == 'a,b\n"x\ny",\n1,2\n'
    assert output.as_json(columns, rows) == '{"a":"x\\ny","b":null}\n{"a":"1","b":"2"}\n'
    assert output.table(columns, rows).splitlines() == ["a     b", "----  -", "x\\ny", "1     2"]


def test_the_reports_query_reads_only_the_days_asked_and_needs_no_value() -> None:
    """Reports are filed under their own day: no day before is scanned (unlike the archive)."""
    args = build_parser().parse_args(["query", "reports", "--since", "2026-12-01", "--until", "2026-12-05"])
    sql = query_cli.statement(args)
    assert "WHERE r.day BETWEEN '2026/12/01' AND '2026/12/05'" in sql
    assert sql.endswith(f"LIMIT {canned.DEFAULT_LIMIT}")
    with pytest.raises(ReportError, match="reports needs --since"):
        query_cli.statement(build_parser().parse_args(["query", "reports"]))
    with pytest.raises(ReportError, match="sudo needs --principal and --since"):
        query_cli.statement(build_parser().parse_args(["query", "sudo", "--since", "2026-12-01"]))
    setup = build_parser().parse_args(["query", "--setup"])
    assert query_cli.statement(setup).startswith("CREATE OR REPLACE VIEW archive_events AS")
    with pytest.raises(ReportError, match="exactly one"):
        query_cli.statement(build_parser().parse_args(["query", "--setup", "--sql", "SELECT 1"]))
