"""daily_report's packages show the flow (issue 24): no import cycle between its modules, counting
every import (type-only and function-local ones too: they are how a reader came to hold its
controller), and no package of more than ten modules."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MOST_MODULES = 10


def _name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module → the modules of `package` it imports (a `from X import y` imports X.y when that is
    a module, else X; importing a module also runs its packages' `__init__`, except its own)."""
    files = {_name(path, package): path for path in package.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        here = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            for target in targets:
                parts = target.split(".")
                for end in range(2, len(parts) + 1):  # the packages on the way, then the module
                    step = ".".join(parts[:end])
                    if step in files and not name.startswith(step + ".") and step != name:
                        graph[name].add(step)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as found:
        return list(found.args[1])
    return None


def test_daily_report_has_no_import_cycle() -> None:
    graph = import_graph(ROOT / "daily_report")
    assert "daily_report.source.hourly" in graph["daily_report.job"]  # the graph sees imports
    assert cycle(graph) is None, " → ".join(cycle(graph) or [])


def test_the_reader_does_not_know_the_fan_out_or_the_merge_of_a_day() -> None:
    graph = import_graph(ROOT / "daily_report")
    reader = graph["daily_report.source.reader"]
    assert not reader & {"daily_report.source.fanout", "daily_report.source.hourly"}


def test_no_package_has_more_than_ten_modules() -> None:
    for package in [
        ROOT / "daily_report",
        *(p.parent for p in (ROOT / "daily_report").glob("*/__init__.py")),
    ]:
        modules = [p for p in package.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= MOST_MODULES, (package.name, sorted(p.name for p in modules))


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
