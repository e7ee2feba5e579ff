"""The archive table of template.yaml on a local engine (DuckDB), for tests and bench/query_demo.py.

The columns and SerDe come from the template's `ArchiveTable`; the objects are the ones the code
wrote (JSON lines, gzip members). DuckDB stands in for Athena where their SQL agrees: the canned
queries run unchanged except two function names (`duck_sql`). What DuckDB cannot tell about
Athena: Trino's regex flavour (Joni) on unusual patterns, partition projection itself (the
template tests derive that from `archive_key`), and the OpenX SerDe's malformed-line handling.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import duckdb
import orjson
from cfnlint.decode.cfn_yaml import load

ROOT = Path(__file__).resolve().parents[2]
TRINO_TO_DUCKDB = {"from_unixtime(": "to_timestamp(", "regexp_like(": "regexp_matches("}


def archive_table() -> dict[str, Any]:
    """The `TableInput` of template.yaml's ArchiveTable (intrinsics left as they are)."""
    template = dict(load(str(ROOT / "template.yaml")))
    return dict(template["Resources"]["ArchiveTable"]["Properties"]["TableInput"])


def hive_to_duckdb(kind: str) -> str:
    """A Glue (Hive) column type in DuckDB's spelling: string, bigint, int, array<>, struct<>."""
    kind = kind.strip()
    if kind.startswith("array<"):
        return hive_to_duckdb(kind[6:-1]) + "[]"
    if kind.startswith("struct<"):
        fields = [f.split(":", 1) for f in _split(kind[7:-1])]
        return "STRUCT(" + ", ".join(f'"{n}" {hive_to_duckdb(t)}' for n, t in fields) + ")"
    return {"string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "boolean": "BOOLEAN"}[kind]


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
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE archive AS SELECT * FROM read_json($glob, format = 'newline_delimited', "
        "columns = $columns, hive_partitioning = true, hive_types_autocast = false)",
        {"glob": str(directory / "archive" / "*" / "*" / "*" / "*.gz"), "columns": typed},
    )
    return con


def duck_sql(athena_sql: str) -> str:
    """An Athena (Trino) statement of `daily_report.query.canned` in DuckDB's dialect; the time
    column as text (DuckDB needs pytz to hand a timestamp with time zone to Python)."""
    for trino, duck in TRINO_TO_DUCKDB.items():
        athena_sql = athena_sql.replace(trino, duck)
    return f"SELECT CAST(time AS VARCHAR) AS time, * EXCLUDE (time) FROM ({athena_sql})"  # noqa: S608 (our SQL)


def run(con: duckdb.DuckDBPyConnection, athena_sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    found = con.execute(duck_sql(athena_sql))
    return [d[0] for d in found.description], found.fetchall()
