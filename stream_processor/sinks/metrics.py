"""The metrics sink: CloudWatch EMF lines (namespace LogProcessor, docs/design.md §10), one per log group.

`Latency` is weighted by events. EMF takes a metric either as numbers or in its histogram form
`{"Values": [...], "Counts": [...]}`, each value standing for `Counts` observations; CloudWatch
computes sums, averages and percentiles over the weighted values (AWS's own EMF writer,
awslabs/metrique, emits this form for repeated observations; Powertools Metrics cannot, so the
lines are written here). A batch's latency histogram (≤ 1 % buckets) gives the values and how
many events fell in each, so a p99 alarm weighs every event once, whatever the batch sizes.

EMF allows at most 100 values per metric in one document. A batch whose latencies span more
buckets has them merged 2 or 4 at a time (the merged bucket's midpoint is within 4 % of every
value in it); one that still spans more (latencies over 7 orders of magnitude) writes the rest in
further documents that carry only `Latency`.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from .. import aggregate
from ..aggregate.histogram import GAMMA, ZERO_BUCKET

NAMESPACE = "LogProcessor"
MAX_VALUES = 100  # EMF: values per metric in one document
MERGE_FACTORS = (1, 2, 4)  # adjacent buckets merged into one value, finest first


def metrics_namespace() -> str:
    """`POWERTOOLS_METRICS_NAMESPACE`, else `LogProcessor`: the namespace the alarms watch."""
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE


def _merged_value(group: int, factor: int) -> float:
    """Midpoint (relative) of buckets group*factor … group*factor+factor-1: (γ^(gf-1), γ^(gf+f-1)]."""
    top = (group * factor + factor - 1) * math.log(GAMMA)
    return 2 * math.exp(top) / (GAMMA**factor + 1)


def weighted_latency(buckets: Mapping[str, int]) -> list[tuple[float, int]]:
    """(value, events) pairs standing for a latency histogram, sorted by value: one per bucket, or
    per 2 or 4 adjacent buckets when the histogram has more than `MAX_VALUES` buckets."""
    indices = {int(key): count for key, count in buckets.items() if key != ZERO_BUCKET}
    zero = buckets.get(ZERO_BUCKET, 0)
    factor = MERGE_FACTORS[-1]
    for candidate in MERGE_FACTORS:
        if len({i // candidate for i in indices}) + bool(zero) <= MAX_VALUES:
            factor = candidate
            break
    merged: dict[int, int] = {}
    for index, count in indices.items():
        merged[index // factor] = merged.get(index // factor, 0) + count
    pairs = [(float(f"{_merged_value(group, factor):.5g}"), count) for group, count in sorted(merged.items())]
    return [(0.0, zero), *pairs] if zero else pairs


def percentile(pairs: Iterable[tuple[float, float]], q: float) -> float | None:
    """Nearest-rank percentile of weighted values: what a CloudWatch pNN statistic computes from
    the values and counts it received."""
    ordered = sorted(pairs)
    total = sum(count for _, count in ordered)
    if total <= 0:
        return None
    rank = max(1.0, math.ceil(q * total))
    seen = 0.0
    for value, count in ordered:
        seen += count
        if seen >= rank:
            return value
    return ordered[-1][0]


def emf_values(doc: Mapping[str, Any], name: str) -> list[tuple[float, float]]:
    """(value, count) pairs of metric `name` in an EMF document, in any of EMF's three forms."""
    found = doc.get(name)
    if isinstance(found, Mapping):
        return list(zip(found.get("Values", []), found.get("Counts", []), strict=True))
    items = found if isinstance(found, list) else [] if found is None else [found]
    return [(float(v), 1.0) for v in items if isinstance(v, int | float) and not isinstance(v, bool)]


def _document(metrics: dict[str, tuple[str, Any]], dimensions: dict[str, str]) -> dict[str, Any]:
    """One EMF document: the `_aws` directive, the dimension values, then each metric's value."""
    directive = {
        "Namespace": metrics_namespace(),
        "Dimensions": [list(dimensions)],
        "Metrics": [{"Name": name, "Unit": unit} for name, (unit, _) in metrics.items()],
    }
    doc: dict[str, Any] = {"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [directive]}}
    doc.update(dimensions)
    doc.update({name: value for name, (_, value) in metrics.items()})
    return doc


def _latency_metric(pairs: list[tuple[float, int]]) -> tuple[str, Any]:
    return "Milliseconds", {"Values": [v for v, _ in pairs], "Counts": [c for _, c in pairs]}


def emit(doc: Mapping[str, Any]) -> None:
    """Write one EMF document as one line on stdout (Lambda sends it to CloudWatch Logs)."""
    sys.stdout.write(orjson.dumps(doc).decode() + "\n")
    sys.stdout.flush()


class MetricsSink:
    """Emits one EMF document per log group per batch, plus dimensionless counters."""

    def batch(self, partials: list[aggregate.Partial], processing_ms: float) -> None:
        hours_by_group: dict[str, list[aggregate.Window]] = {}
        for partial in partials:  # one per UTC day: a batch crossing midnight has two
            for group, hours in partial["windows"].items():
                hours_by_group.setdefault(group, []).extend(hours.values())
        for group, hours_of_group in hours_by_group.items():
            for doc in group_documents(group, aggregate.combine(hours_of_group), processing_ms):
                emit(doc)

    def decode_failure(self) -> None:
        emit(_document({"DecodeFailures": ("Count", 1), "QuarantinedBatches": ("Count", 1)}, {}))

    def control_message(self) -> None:
        """A CONTROL_MESSAGE was acknowledged and skipped (docs/design.md §13: skipped, counted)."""
        emit(_document({"ControlMessages": ("Count", 1)}, {}))


def group_documents(group: str, window: aggregate.Window, processing_ms: float) -> list[dict[str, Any]]:
    """The EMF documents of one log group in one batch (more than one only for very wide latencies)."""
    security = aggregate.security_events(window)  # distinct events, not rule hits
    metrics: dict[str, tuple[str, Any]] = {
        "EventCount": ("Count", window["events"]),
        "ErrorCount": ("Count", window["errors"]),
        "SecurityEventCount": ("Count", security),
        "ProcessingTime": ("Milliseconds", round(processing_ms, 3)),
    }
    pairs = weighted_latency(window["latency"]["buckets"])
    if pairs:
        metrics["Latency"] = _latency_metric(pairs[:MAX_VALUES])
    dimensions = {"LogGroup": group}
    docs = [_document(metrics, dimensions)]
    for start in range(MAX_VALUES, len(pairs), MAX_VALUES):
        docs.append(_document({"Latency": _latency_metric(pairs[start : start + MAX_VALUES])}, dimensions))
    return docs
