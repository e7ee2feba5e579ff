"""Run SQL over the archive and the reports with Athena: a canned query, a statement, a file of
SQL, or `--setup` (create the view `archive_events`).

The workgroup (stack output QueryWorkGroupName) enforces where results go and their encryption;
the database (stack output QueryDatabase) holds the `archive` table, one row per archived
subscription payload (unnest `logevents`, or use the view, for one row per event), and the
`reports` table, one row per reported day. Name `dt` (YYYY-MM-DD) in WHERE
so Athena reads only those days (partition projection); every canned query does. Progress goes
to standard error, the result to standard output.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ReportError
from . import athena, canned, output

if TYPE_CHECKING:
    from mypy_boto3_athena import AthenaClient

PRICE_PER_TB = 5.0  # Athena, $ per TB scanned (10 MB minimum per query)


def configure(parser: argparse.ArgumentParser) -> None:
    names = ", ".join(
        f"{name} ({'--' + c.option.replace('_', '-') + ': ' if c.option else ''}{c.purpose})"
        for name, c in canned.CANNED.items()
    )
    parser.add_argument("canned", nargs="?", choices=sorted(canned.CANNED), help=f"a canned query: {names}")
    parser.add_argument("--sql", help="a SQL statement to run instead of a canned query")
    parser.add_argument("--file", type=Path, help="a file holding one SQL statement")
    parser.add_argument(
        "--setup", action="store_true", help=f"create the {canned.VIEW} view (one row per log event); once"
    )
    parser.add_argument("--principal", help="sudo: the user sudo names")
    parser.add_argument("--address", help="logins: the source address")
    parser.add_argument("--log-group", help="events: the log group")
    parser.add_argument("--since", help="canned queries: first day (YYYY-MM-DD) or ISO-8601 time, UTC")
    parser.add_argument("--until", help="canned queries: last day (inclusive) or time (default: --since)")
    parser.add_argument(
        "--limit", type=int, default=canned.DEFAULT_LIMIT, help="canned queries: at most so many rows"
    )
    parser.add_argument("--format", choices=output.FORMATS, default="table", help="how to print the rows")
    parser.add_argument("--print-sql", action="store_true", help="print the SQL and run nothing")
    parser.add_argument(
        "--workgroup", help="Athena workgroup (default: LOGREVIEW_WORKGROUP, else LOGREVIEW_STACK-logreview)"
    )
    parser.add_argument("--database", help="Glue database (default: LOGREVIEW_DATABASE, else logreview)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before the query is stopped")


def statement(args: argparse.Namespace) -> str:
    """The SQL to run, from exactly one of: a canned query, --sql, --file, --setup."""
    given = [x for x in (args.canned, args.sql, args.file, args.setup) if x]
    if len(given) != 1:
        raise ReportError("give exactly one of: a canned query name, --sql, --file, --setup")
    if args.setup:
        return canned.CREATE_VIEW
    if args.sql:
        return str(args.sql)
    if args.file:
        try:
            return str(args.file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ReportError(f"cannot read --file {args.file}: {exc.strerror}") from None
    query = canned.CANNED[args.canned]
    value = getattr(args, query.option) if query.option else ""
    if (query.option and not value) or not args.since:
        flag = "--" + query.option.replace("_", "-") + " and " if query.option else ""
        raise ReportError(f"{args.canned} needs {flag}--since (and optionally --until)")
    if args.limit < 1:
        raise ReportError(f"--limit must be at least 1, not {args.limit}")
    return query.build(canned.window(args.since, args.until or args.since), value, args.limit)


def names(args: argparse.Namespace) -> tuple[str, str]:
    workgroup = args.workgroup or os.environ.get("LOGREVIEW_WORKGROUP", "")
    if not workgroup:
        stack = os.environ.get("LOGREVIEW_STACK", "")
        if not stack:
            raise ReportError(
                "no workgroup: pass --workgroup (stack output QueryWorkGroupName) or set LOGREVIEW_STACK"
            )
        workgroup = f"{stack}-logreview"
    return workgroup, args.database or os.environ.get("LOGREVIEW_DATABASE", "logreview")


def _progress(progress: athena.Progress) -> None:
    if sys.stderr.isatty():
        scanned = progress.scanned_bytes / 1e6
        print(f"\r  {progress.state:<10} {progress.elapsed_ms / 1000:6.1f} s  {scanned:,.1f} MB scanned",
              end="\n" if progress.state in athena.DONE else "", file=sys.stderr)  # fmt: skip


def client() -> AthenaClient:
    import boto3

    return boto3.session.Session().client("athena")  # a session of its own: reads AWS_DATA_PATH now


def run(args: argparse.Namespace) -> int:
    sql = statement(args)
    if args.print_sql:
        print(sql)
        return 0
    workgroup, database = names(args)
    result = athena.run(client(), sql, workgroup, database, args.timeout, _progress)
    sys.stdout.write(output.render(args.format, result.columns, result.rows))
    cost = max(result.scanned_bytes, 10_000_000) / 1e12 * PRICE_PER_TB
    print(f"{len(result.rows):,} rows, {result.scanned_bytes:,} bytes scanned (about ${cost:.4f}), "
          f"query {result.query_id}", file=sys.stderr)  # fmt: skip
    return 0
