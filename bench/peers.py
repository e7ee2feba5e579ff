"""Our pipeline against the peers' processing paths, side by side, on two datasets.

Peers (not vendored; used from a local checkout when present, skipped cleanly otherwise):

- Datadog Forwarder (DataDog/datadog-serverless-functions, aws/logs_monitoring, 5.4.11 at
  commit b9af797e0266b2be4011a94147419089833605c5), out of the box: `parse`, `enrich`,
  `transform`, `split`, then `Forwarder._forward_logs` (matcher, JSON dump, batcher, scrubber)
  with the HTTP client's compression and POST stubbed. Set DATADOG_FORWARDER_DIR to the
  checkout (the folder holding aws/logs_monitoring).
- Elastic Serverless Forwarder (elastic/elastic-serverless-forwarder, 1.21.3 at commit
  b94fa97c7ca00b6167be6e43580b13cbc0acf9ef): the cloudwatch-logs trigger's decode and
  `_handle_cloudwatch_logs_event`, an Elasticsearch output's `send`/`flush` with the bulk call
  stubbed (actions serialised with ESF's own JSON dumper, nothing sent). Set ESF_DIR.

Their dependencies must be importable (bench/peers-requirements.txt, best in a separate venv
with this project installed: `pip install -e . -r bench/peers-requirements.txt`).

Datasets: "generator" (bench/decode.py's batches, 1 to 5,000 events) and "large" (CloudTrail
records and long JSON application logs, 1.5 to 3 KB each). Every contender sees the same
events in the same run; repeats are interleaved (each round runs every contender back to back);
rates are medians over the rounds with their range, ratios the median and range of the per-round
ratios. Also: the decode floor, and ours with
two pathological user rules (`(a+)+$`, `(x+x+)+y`), whose cost must stay linear.

    DATADOG_FORWARDER_DIR=... ESF_DIR=... python -m bench peers
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.decode import START_MS, floor, make_batch, ours
from bench.peer_paths import datadog_path, esf_path
from bench.samples import large_batch
from stream_processor import aggregate
from stream_processor.config import DEFAULT_DOCUMENT, parse_config
from stream_processor.pipeline import process_data

Run = Callable[[dict[str, Any]], None]
PATHOLOGICAL = {"patho_nested": "(a+)+$", "patho_overlap": "(x+x+)+y"}


def generator_batches(seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    sizes = [1] * 300 + [10] * 100 + [100] * 20 + [1000] * 2 + [5000]
    return [make_batch(rng, size, START_MS + rng.randrange(20 * 3_600_000)) for size in sizes]


def large_batches(seed: int = 4) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    sizes = [1] * 100 + [10] * 40 + [100] * 10 + [1000] * 2
    return [large_batch(rng, size, START_MS + rng.randrange(20 * 3_600_000)) for size in sizes]


def _with_pathological_rules() -> Run:
    rules = parse_config({**DEFAULT_DOCUMENT, "SecurityRules": PATHOLOGICAL}).rules

    def run(event: dict[str, Any]) -> None:
        for partial in process_data(event["awslogs"]["data"], rules):
            aggregate.encode(partial)

    return run


def _time(run: Run, batches: list[dict[str, Any]]) -> float:
    gc.collect()
    started = time.perf_counter()
    for event in batches:
        run(event)
    return time.perf_counter() - started


def _contenders() -> dict[str, Run]:
    found: dict[str, Run] = {"floor": floor, "ours": ours, "ours+patho": _with_pathological_rules()}
    for name, factory, variable in (
        ("datadog", datadog_path, "DATADOG_FORWARDER_DIR"),
        ("esf", esf_path, "ESF_DIR"),
    ):
        where = os.environ.get(variable)
        if not where:
            print(f"  {name}: skipped ({variable} not set)")
            continue
        try:
            found[name] = factory(where)
        except ImportError as exc:  # a checkout without its dependencies installed
            print(f"  {name}: skipped ({exc})")
    return found


def _events(batches: list[dict[str, Any]]) -> int:
    from bench.decode import _count

    return sum(_count(b) for b in batches)


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (rounds {min(values):.2f}..{max(values):.2f})"


def _ours_build() -> str:
    """Which code "ours" is: the source, or the native build (scripts/native.py) shadowing it."""
    from stream_processor import pipeline

    where = pipeline.__file__ or ""
    return f"native build (mypyc) at {Path(where).parent.parent}" if where.endswith(".so") else "the source"


def main() -> None:
    repeats = int(os.environ.get("BENCH_REPEATS", "5"))
    contenders = _contenders()
    print(f"  ours: {_ours_build()}, Python {sys.version.split()[0]}")
    for label, batches in (("generator", generator_batches()), ("large", large_batches())):
        events = _events(batches)
        for run in contenders.values():  # warm-up: first calls import and compile
            run(batches[0])
        samples: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(repeats):
            for name, run in contenders.items():
                samples[name].append(events / _time(run, batches))
        rates = {name: statistics.median(values) for name, values in samples.items()}
        print(f"dataset {label}: {len(batches)} batches, {events} events, {repeats} interleaved rounds")
        for name, rate in rates.items():
            spread = f"{min(samples[name]):,.0f}..{max(samples[name]):,.0f}"
            print(f"  {name:<11} {rate:>10,.0f} events/s  {1e6 / rate:7.2f} us/event  (rounds {spread})")
        # Each round's contenders ran back to back: a ratio per round, then their median and range.
        ours = samples["ours"]
        rounds = {
            name: [a / b for a, b in zip(ours, values, strict=True)] for name, values in samples.items()
        }
        print(f"  ours / floor        = {_spread(rounds['floor'])}   target >= 0.30")
        print(f"  ours+patho / ours   = {_spread(rounds['ours+patho'])} x the time   target < 2")
        for peer, target in (("datadog", 2.0), ("esf", 3.0)):
            if peer in rounds:
                print(f"  ours / {peer:<12} = {_spread(rounds[peer])}   target >= {target:.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
