"""Run one SQL statement through Athena: start it in a workgroup, poll until it ends (with
progress), page through its results. Failures are `QueryError`s that say why (Athena's reason)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ..errors import ReportError

if TYPE_CHECKING:
    from mypy_boto3_athena import AthenaClient

DONE = ("SUCCEEDED", "FAILED", "CANCELLED")
FIRST_POLL, MAX_POLL = 0.2, 2.0  # seconds; doubles between polls
PAGE_SIZE = 1000  # GetQueryResults' maximum


class QueryError(ReportError):
    """A query could not run or did not succeed; the message says why."""


@dataclass(frozen=True, slots=True)
class Progress:
    """One poll's view of a running query."""

    query_id: str
    state: str
    scanned_bytes: int
    elapsed_ms: int


@dataclass(slots=True)
class Result:
    """A finished query: column names, rows (strings or None for SQL NULL) and its statistics."""

    query_id: str
    columns: list[str]
    rows: list[list[str | None]] = field(default_factory=list)
    scanned_bytes: int = 0
    elapsed_ms: int = 0
    output: str = ""  # the result object Athena wrote (s3://.../athena-results/ID.csv)


def workgroup_exists(client: AthenaClient, workgroup: str) -> None:
    """Raise a clear error when the workgroup is missing or disabled (the stack is not deployed)."""
    missing = QueryError(
        f"Athena workgroup {workgroup!r} does not exist here: deploy the stack, or pass "
        "--workgroup (the stack output QueryWorkGroupName)"
    )
    try:
        found = client.get_work_group(WorkGroup=workgroup).get("WorkGroup")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "InvalidRequestException":
            raise missing from None
        raise
    if not found:
        raise missing
    if found.get("State", "ENABLED") != "ENABLED":
        raise QueryError(f"Athena workgroup {workgroup!r} is disabled")


def start(client: AthenaClient, sql: str, workgroup: str, database: str) -> str:
    """Submit `sql` in the workgroup (its enforced result location and encryption apply)."""
    workgroup_exists(client, workgroup)
    response = client.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": database}, WorkGroup=workgroup
    )
    return response["QueryExecutionId"]


def outcome(execution: dict[str, Any]) -> Progress:
    """A GetQueryExecution `QueryExecution` → its progress; raise on FAILED or CANCELLED."""
    status, stats = execution["Status"], execution.get("Statistics", {})
    progress = Progress(
        execution["QueryExecutionId"],
        status["State"],
        int(stats.get("DataScannedInBytes", 0)),
        int(stats.get("TotalExecutionTimeInMillis", 0)),
    )
    if progress.state in ("FAILED", "CANCELLED"):
        reason = status.get("StateChangeReason") or status.get("AthenaError", {}).get("ErrorMessage")
        raise QueryError(f"query {progress.query_id} {progress.state.lower()}: {reason or 'no reason given'}")
    return progress


def wait(
    client: AthenaClient,
    query_id: str,
    timeout: float,
    on_progress: Callable[[Progress], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Progress, str]:
    """Poll until the query ends; past `timeout` seconds stop it and raise. Returns the last
    progress and the result location."""
    delay, waited = FIRST_POLL, 0.0
    while True:
        execution = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        progress = outcome(dict(execution))
        if on_progress is not None:
            on_progress(progress)
        if progress.state in DONE:
            return progress, execution.get("ResultConfiguration", {}).get("OutputLocation", "")
        if waited >= timeout:
            client.stop_query_execution(QueryExecutionId=query_id)
            raise QueryError(f"query {query_id} still {progress.state} after {timeout:g} s: stopped")
        sleep(delay)
        waited += delay
        delay = min(delay * 2, MAX_POLL)


def rows_of(pages: Iterable[Any]) -> tuple[list[str], list[list[str | None]]]:
    """Column names and rows of GetQueryResults pages. A SELECT's first row repeats the column
    labels; it is dropped (only on the first page, and only when it equals them)."""
    columns: list[str] = []
    rows: list[list[str | None]] = []
    for number, page in enumerate(pages):
        result = page["ResultSet"]
        if number == 0:
            columns = [c.get("Label") or c["Name"] for c in result["ResultSetMetadata"]["ColumnInfo"]]
        for index, row in enumerate(result["Rows"]):
            values = [cell.get("VarCharValue") for cell in row.get("Data", [])]
            if number == 0 and index == 0 and values == columns:
                continue
            rows.append(values)
    return columns, rows


def results(
    client: AthenaClient, query_id: str, limit: int | None = None
) -> tuple[list[str], list[list[str | None]]]:
    """Every row of a finished query, page by page (`PAGE_SIZE` rows a request)."""
    paginator = client.get_paginator("get_query_results")
    pages = paginator.paginate(QueryExecutionId=query_id, PaginationConfig={"PageSize": PAGE_SIZE})
    columns, rows = rows_of(pages)
    return columns, rows if limit is None else rows[:limit]


def run(
    client: AthenaClient,
    sql: str,
    workgroup: str,
    database: str,
    timeout: float = 600.0,
    on_progress: Callable[[Progress], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    """Start, wait, fetch: one statement from submission to rows."""
    query_id = start(client, sql, workgroup, database)
    progress, output = wait(client, query_id, timeout, on_progress, sleep)
    columns, rows = results(client, query_id)
    return Result(query_id, columns, rows, progress.scanned_bytes, progress.elapsed_ms, output)
