"""CPU of one large Kinesis invocation through the real handler: this checkout against a git ref.

The issue-10 invocation: `--records` CloudWatch batches (the cost fleet's: 30 events of ~200 B
each, bench/cost.py) in one Kinesis event, against moto's server with no added round trip, so
what is timed is the handler's own CPU (`time.thread_time` of the handler's thread; the puts run
on other threads and moto in this process too). Each checkout runs in a fresh process on the same
event file, alternating (`--repeats`), so both see the same machine load; the time spent in
garbage collections is measured with `gc.callbacks`.

    python -m bench.invocation [--records 10000] [--against main] [--repeats 1] [--native build/native]

`--native DIR` runs a third process on the native build of the hot path (scripts/native.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent


def _child(root: str, event_file: str) -> dict[str, float]:
    """In a fresh process whose imports come from `root`: the handler on the event, timed."""
    import contextlib
    import gc
    import io

    sys.path.insert(0, root)
    from bench.cost import moto_with_config
    from stream_processor.handler import lambda_handler

    server, _ = moto_with_config("logreview-bench")
    event = json.loads(Path(event_file).read_text())
    with contextlib.redirect_stdout(io.StringIO()):  # warm: clients, config, imports
        lambda_handler({"Records": event["Records"][:2]}, None)
    spent = {"gc": 0.0, "began": 0.0}

    def collector(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            spent["began"] = time.perf_counter()
        else:
            spent["gc"] += time.perf_counter() - spent["began"]

    gc.collect()
    gc.callbacks.append(collector)
    with contextlib.redirect_stdout(io.StringIO()):
        wall, cpu = time.perf_counter(), time.thread_time()
        result = lambda_handler(event, None)
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    server.stop()
    return {"cpu": cpu, "wall": wall, "gc": spent["gc"], "events": result["events"]}


def _checkout(ref: str, into: str) -> str:
    """The tracked files of `ref` (as committed) in a fresh directory."""
    os.makedirs(into)
    archive = subprocess.run(["git", "-C", str(HERE), "archive", ref], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    return into


def _run(root: str, event_file: str) -> dict[str, float]:
    code = f"import json, sys; sys.path.insert(0, {str(HERE)!r}); from bench.invocation import _child; "
    code += f"print(json.dumps(_child({root!r}, {event_file!r})))"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10_000, help="CloudWatch batches in the event")
    parser.add_argument("--against", default="main", help="git ref to compare with ('' for none)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each checkout, alternating")
    parser.add_argument("--native", type=Path, help="also this native build (scripts/native.py --output)")
    args = parser.parse_args(argv or [])
    from bench.cost import kinesis_event, payloads
    from bench.cost_model import Fleet

    fleet = Fleet(1000)
    with tempfile.TemporaryDirectory() as tmp:
        event_file = os.path.join(tmp, "event.json")
        raws = payloads(args.records, fleet.events_per_batch, fleet.message_bytes, 7)
        Path(event_file).write_text(json.dumps(kinesis_event(raws)))
        roots = {"this checkout": str(HERE)}
        if args.against:
            try:
                roots[args.against] = _checkout(args.against, os.path.join(tmp, "ref"))
            except (OSError, subprocess.CalledProcessError) as exc:  # no git, or no such ref
                print(f"(not compared: {args.against!r} cannot be checked out: {exc})")
                args.against = ""
        if args.native is not None:
            if not list(args.native.glob("stream_processor/pipeline.*.so")):
                parser.error(f"--native {args.native}: no native build there (python scripts/native.py)")
            roots["native build"] = str(args.native.resolve())
        runs: dict[str, list[dict[str, float]]] = {label: [] for label in roots}
        for _ in range(args.repeats):
            for label, root in roots.items():
                runs[label].append(_run(root, event_file))
    events = int(runs["this checkout"][0]["events"])
    print(
        f"one Kinesis invocation: {args.records:,} records x {fleet.events_per_batch} events = {events:,} "
        f"events; medians of {args.repeats}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    medians = {
        label: {k: statistics.median(r[k] for r in rs) for k in ("cpu", "wall", "gc")}
        for label, rs in runs.items()
    }
    for label, m in medians.items():
        print(
            f"  {label:<14} CPU {m['cpu']:6.2f} s ({m['cpu'] / events * 1e6:5.1f} us/event, "
            f"GC {m['gc']:5.2f} s)  wall {m['wall']:6.2f} s"
        )
    for label in roots:
        if label != "this checkout":
            ratio = medians[label]["cpu"] / medians["this checkout"]["cpu"]
            print(f"  CPU {label} / this checkout: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
