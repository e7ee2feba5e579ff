"""A query result as text: an aligned table (for people), CSV or JSON lines (for tools). Pure."""

from __future__ import annotations

import csv
import io

import orjson

FORMATS = ("table", "csv", "json")
MAX_CELL = 120  # a table cell is cut here (CSV and JSON keep every character)
NULL = ""


def table(columns: list[str], rows: list[list[str | None]]) -> str:
    """Columns padded to their widest cell, a rule under the header; newlines shown as `\\n`."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [
        max([len(name), *(len(row[i]) for row in cells if i < len(row))]) for i, name in enumerate(columns)
    ]
    lines = [_line(columns, widths), _line(["-" * w for w in widths], widths)]
    lines += [_line(row, widths) for row in cells]
    return "\n".join(lines) + "\n"


def _cell(value: str | None) -> str:
    text = NULL if value is None else value.replace("\n", "\\n").replace("\t", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _line(values: list[str], widths: list[int]) -> str:
    return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=False)).rstrip()


def as_csv(columns: list[str], rows: list[list[str | None]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[NULL if v is None else v for v in row] for row in rows])
    return out.getvalue()


def as_json(columns: list[str], rows: list[list[str | None]]) -> str:
    """One JSON object per row (SQL NULL → null)."""
    return "".join(orjson.dumps(dict(zip(columns, row, strict=False))).decode() + "\n" for row in rows)


def render(kind: str, columns: list[str], rows: list[list[str | None]]) -> str:
    return {"table": table, "csv": as_csv, "json": as_json}[kind](columns, rows)
