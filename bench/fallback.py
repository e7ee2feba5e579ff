"""What the pure-Python fallbacks cost: `process_data` with and without the google-re2 and isal wheels.

Each variant runs in a fresh process (a fallback is forced by blocking the wheel's import, as
tests/unit/stream_processor/test_backends.py does) on bench/peers.py's two datasets; the variants
alternate, so machine load hits them alike; each times its CPU (`time.process_time`), which other processes on
a busy machine disturb less than the clock. Prints events/s (median of the rounds) and each
variant's time against the native one. The cost stated by `stream_processor.backends` comes from this.

    python -m bench fallback          # BENCH_REPEATS rounds (default 3)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {"native": "", "no google-re2": "re2", "no isal": "isal", "neither": "re2,isal"}
_CHILD = """
import json, statistics, sys, time
for name in sys.argv[1].split(","):
    if name:
        sys.modules[name] = None
from bench.decode import ours
from bench.peers import _events, generator_batches, large_batches
from stream_processor import backends

def cpu(batches):
    started = time.process_time()
    for event in batches:
        ours(event)
    return time.process_time() - started

rates = {}
for label, batches in (("generator", generator_batches()), ("large", large_batches())):
    ours(batches[0])
    events = _events(batches)
    rates[label] = statistics.median(events / cpu(batches) for _ in range(3))
print(json.dumps({"backends": [backends.engine(), backends.GZIP_BACKEND], **rates}))
"""


def _child(blocked: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, blocked], capture_output=True, text=True, check=True, env=env
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> None:
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in VARIANTS}
    for _ in range(repeats):
        for name, blocked in VARIANTS.items():
            runs[name].append(_child(blocked))
    for label in ("generator", "large"):
        native = statistics.median(float(str(run[label])) for run in runs["native"])
        print(f"dataset {label}: CPU time, median of {repeats} alternating processes")
        for name, found in runs.items():
            rate = statistics.median(float(str(run[label])) for run in found)
            engine, gzip = found[0]["backends"]  # type: ignore[misc]
            backends = f"{engine}, {gzip}"
            print(f"  {name:<14} {backends:<23} {rate:>9,.0f} events/s  {native / rate:5.2f} x the time")


if __name__ == "__main__":
    main()
