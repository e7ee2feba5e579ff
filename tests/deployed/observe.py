"""What a deployed stack shows after a run: emitted metrics, watched metrics, environment reads.

Metrics are read where CloudWatch would take them from: EMF lines in the functions' own log
groups (moto's Lambda wrote each invocation's output there) and PutMetricData (ListMetrics).
"""

from __future__ import annotations

import functools
import json
import modulefinder
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .stack import ROOT, Stack

Metric = tuple[str, str, frozenset[tuple[str, str]]]  # namespace, name, dimensions


def emf_metrics(lines: list[str]) -> set[Metric]:
    """Every (namespace, metric, dimension set) declared by the EMF objects among `lines`."""
    found: set[Metric] = set()
    for line in lines:
        if '"_aws"' not in line:
            continue
        doc = json.loads(line)
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive.get("Dimensions", [[]]) or [[]]:
                dims = frozenset((name, str(doc[name])) for name in dimension_set)
                found |= {(directive["Namespace"], m["Name"], dims) for m in directive["Metrics"]}
    return found


def function_log_lines(stack: Stack) -> list[str]:
    """Everything the stack's functions printed, from their log groups."""
    logs = stack.client("logs")
    lines: list[str] = []
    for name in stack.function_names().values():
        group = f"/aws/lambda/{name}"
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
            lines += [e["message"] for e in page["events"]]
    return lines


def put_metrics(stack: Stack) -> set[Metric]:
    found: set[Metric] = set()
    for page in stack.client("cloudwatch").get_paginator("list_metrics").paginate():
        for m in page["Metrics"]:
            dims = frozenset((d["Name"], d["Value"]) for d in m.get("Dimensions", []))
            found.add((m["Namespace"], m["MetricName"], dims))
    return found


def alarm_metrics(alarm: dict[str, Any]) -> Iterator[Metric]:
    """The metrics one alarm (DescribeAlarms form) watches, metric math included."""
    if alarm.get("MetricName"):
        dims = frozenset((d["Name"], d["Value"]) for d in alarm.get("Dimensions", []))
        yield alarm["Namespace"], alarm["MetricName"], dims
    for query in alarm.get("Metrics", []):
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            dims = frozenset((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))
            yield metric["Namespace"], metric["MetricName"], dims


def widget_metrics(body: dict[str, Any]) -> Iterator[Metric]:
    """The metrics of a dashboard's metric widgets (expressions are built from these)."""
    for widget in body["widgets"]:
        if widget["type"] != "metric":
            continue
        for row in widget["properties"]["metrics"]:
            plain = [x for x in row if isinstance(x, str)]
            if not plain:
                continue  # an expression
            assert "." not in plain[:2], "the '.' shorthand is not resolved here"
            namespace, name, rest = plain[0], plain[1], plain[2:]
            yield namespace, name, frozenset(zip(rest[::2], rest[1::2], strict=True))


def stack_names(stack: Stack) -> set[str]:
    """Physical ids and the names inside them (queue URL → queue name, ARN → last part)."""
    names: set[str] = set()
    for physical in stack.physical.values():
        names |= {physical, re.split(r"[:/]", physical)[-1]}
    return names


# ---------------------------------------------------------------- environment reads

_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\[|environ\.get)\(?\s*["']([A-Z_][A-Z0-9_]*)["']"""
)


def handler_modules(handler: str) -> list[Path]:
    """Our source files a Lambda handler can run: its static import closure, lazy imports included."""
    finder = modulefinder.ModuleFinder(path=[str(ROOT)])
    finder.import_hook(handler.rpartition(".")[0])
    files = [Path(m.__file__) for m in finder.modules.values() if m.__file__]
    return sorted(f for f in files if f.is_relative_to(ROOT))


@functools.cache  # the same handlers in every deployment
def environment_reads(handler: str) -> frozenset[str]:
    """Variable names the handler's code reads with os.environ / os.getenv (literal names)."""
    return frozenset(name for path in handler_modules(handler) for name in _READ.findall(path.read_text()))
