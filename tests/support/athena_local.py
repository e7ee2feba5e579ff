"""The archive and reports tables of template.yaml on a local engine (DuckDB), for tests and
bench/query_demo.py.

The columns and SerDe come from the template's `ArchiveTable` and `ReportsTable`; the objects
are the ones the code wrote (JSON lines, gzip members). DuckDB stands in for Athena where their
SQL agrees: the canned queries run unchanged except a few function names (`dialect`), with
Trino's `x -> …` lambdas switched on. What DuckDB cannot tell about Athena: Trino's regex flavour
(Joni) on unusual patterns, partition projection itself (the template tests derive that from
`archive_key` and `rows_key`), and the OpenX SerDe's malformed-line handling.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import duckdb
import orjson
from cfnlint.decode.cfn_yaml import load

ROOT = Path(__file__).resolve().parents[2]
HIVE_TO_DUCKDB = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "boolean": "BOOLEAN",
    "double": "DOUBLE",
}
TRINO_TO_DUCKDB = {"from_unixtime(": "to_timestamp(", "regexp_like(": "regexp_matches("}


def archive_table(resource: str = "ArchiveTable") -> dict[str, Any]:
    """The `TableInput` of a Glue table of template.yaml (intrinsics left as they are)."""
    template = dict(load(str(ROOT / "template.yaml")))
    return dict(template["Resources"][resource]["Properties"]["TableInput"])


def hive_to_duckdb(kind: str) -> str:
    """A Glue (Hive) column type in DuckDB's spelling: string, bigint, int, array<>, struct<>."""
    kind = kind.strip()
    if kind.startswith("array<"):
        return hive_to_duckdb(kind[6:-1]) + "[]"
    if kind.startswith("struct<"):
        fields = [f.split(":", 1) for f in _split(kind[7:-1])]
        return "STRUCT(" + ", ".join(f'"{n}" {hive_to_duckdb(t)}' for n, t in fields) + ")"
    return HIVE_TO_DUCKDB[kind]


def _split(fields: str) -> list[str]:
    out, depth, start = [], 0, 0
    for i, char in enumerate(fields):
        depth += char == "<"
        depth -= char == ">"
        if char == "," and depth == 0:
            out.append(fields[start:i])
            start = i + 1
    return [*out, fields[start:]]


def columns(table: dict[str, Any], keys: set[str]) -> dict[str, str]:
    """JSON key → DuckDB type for every table column. The OpenX SerDe matches keys ignoring case,
    DuckDB does not: each column is bound to the one key equal to it ignoring case."""
    by_lower = {key.lower(): key for key in keys}
    columns = table["StorageDescriptor"]["Columns"]
    missing = [c["Name"] for c in columns if c["Name"] not in by_lower]
    if missing:
        raise AssertionError(f"no JSON key for the table's columns {missing} (keys: {sorted(keys)})")
    return {by_lower[c["Name"]]: hive_to_duckdb(c["Type"]) for c in columns}


def open_archive(directory: Path, table: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with a table `archive`: every `archive/dt=/hour=/{group}/*.gz` under
    `directory` read as newline-delimited JSON with the template's columns and partitions."""
    table = table or archive_table()
    objects = sorted((directory / "archive").glob("dt=*/hour=*/*/*.gz"))
    if not objects:
        raise AssertionError(f"no archive objects under {directory}")
    first_line = gzip.decompress(objects[0].read_bytes()).split(b"\n", 1)[0]
    typed = columns(table, set(orjson.loads(first_line)))
    con = connect()
    con.execute(
        "CREATE TABLE archive AS SELECT * FROM read_json($glob, format = 'newline_delimited', "
        "columns = $columns, hive_partitioning = true, hive_types_autocast = false)",
        {"glob": str(directory / "archive" / "*" / "*" / "*" / "*.gz"), "columns": typed},
    )
    return con


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that accepts Trino's `x -> expr` lambdas."""
    con = duckdb.connect()
    con.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")
    return con


def open_reports(directory: Path, table: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with a table `reports`: every `reports/YYYY/MM/DD/rows/*.gz` under
    `directory` read as newline-delimited JSON with the template's columns, and the partition
    `day` (yyyy/MM/dd) taken from the key as the location template places it."""
    table = table or archive_table("ReportsTable")
    objects = sorted((directory / "reports").glob("*/*/*/rows/*.gz"))
    if not objects:
        raise AssertionError(f"no report rows under {directory}")
    typed = columns(table, set(orjson.loads(gzip.decompress(objects[0].read_bytes()))))
    con = connect()
    con.execute(
        "CREATE TABLE reports AS SELECT * EXCLUDE (filename), "
        "regexp_extract(filename, 'reports/([0-9]{4}/[0-9]{2}/[0-9]{2})/rows/', 1) AS day "
        "FROM read_json($glob, format = 'newline_delimited', columns = $columns, filename = true)",
        {"glob": str(directory / "reports" / "*" / "*" / "*" / "rows" / "*.gz"), "columns": typed},
    )
    return con


def dialect(athena_sql: str) -> str:
    """An Athena (Trino) statement of `daily_report.query.canned` in DuckDB's function names."""
    for trino, duck in TRINO_TO_DUCKDB.items():
        athena_sql = athena_sql.replace(trino, duck)
    return athena_sql


def duck_sql(athena_sql: str) -> str:
    """A canned query in DuckDB's dialect; the time column as text (DuckDB needs pytz to hand a
    timestamp with time zone to Python)."""
    return f"SELECT CAST(time AS VARCHAR) AS time, * EXCLUDE (time) FROM ({dialect(athena_sql)})"  # noqa: S608 (our SQL)


def run(con: duckdb.DuckDBPyConnection, athena_sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    found = con.execute(duck_sql(athena_sql) if "AS time" in athena_sql else dialect(athena_sql))
    return [d[0] for d in found.description], found.fetchall()
