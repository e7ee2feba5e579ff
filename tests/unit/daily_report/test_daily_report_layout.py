"""daily_report's packages show the flow (issue 24): no import cycle between its modules, counting
every import (type-only and function-local ones too: they are how a reader came to hold its
controller), and no package of more than ten modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.layout import ROOT, crowded, cycle, import_graph


def test_daily_report_has_no_import_cycle() -> None:
    graph = import_graph(ROOT / "daily_report")
    assert "daily_report.source.hourly" in graph["daily_report.job"]  # the graph sees imports
    assert cycle(graph) is None, " → ".join(cycle(graph) or [])


def test_the_reader_does_not_know_the_fan_out_or_the_merge_of_a_day() -> None:
    graph = import_graph(ROOT / "daily_report")
    reader = graph["daily_report.source.reader"]
    assert not reader & {"daily_report.source.fanout", "daily_report.source.hourly"}


def test_no_package_has_more_than_ten_modules() -> None:
    assert crowded(ROOT / "daily_report") == []


@pytest.mark.parametrize(
    ("files", "found"),
    [
        ({"a.py": "from . import b", "b.py": "from .a import x"}, True),
        ({"a.py": "from .sub.c import x", "sub/__init__.py": "", "sub/c.py": "from ..a import y"}, True),
        ({"a.py": "if TYPE_CHECKING:\n    from .b import B", "b.py": "def f():\n    from .a import g"}, True),
        ({"a.py": "from .b import x", "b.py": "import os"}, False),
        ({"__init__.py": "from .h import f", "h.py": "from .r import g", "r.py": ""}, False),
    ],
)
def test_the_check_finds_a_cycle_when_there_is_one(
    tmp_path: Path, files: dict[str, str], found: bool
) -> None:
    package = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    assert (cycle(import_graph(package)) is not None) == found
