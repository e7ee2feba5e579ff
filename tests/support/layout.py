"""The import graph of a package, its cycles and its module counts: the layout checks of issue 24
(tests/unit/daily_report/test_daily_report_layout.py, tests/unit/stream_processor/test_layout.py).

Every import counts, type-only and function-local ones too: they are how a reader came to hold its
controller."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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


def crowded(root: Path, most: int = MOST_MODULES) -> list[tuple[str, list[str]]]:
    """The packages of `root` (itself and every subpackage) with more than `most` modules."""
    found = []
    for package in [root, *(p.parent for p in root.rglob("*/__init__.py"))]:
        modules = sorted(p.name for p in package.glob("*.py") if p.name != "__init__.py")
        if len(modules) > most:
            found.append((str(package.relative_to(root.parent)), modules))
    return found
