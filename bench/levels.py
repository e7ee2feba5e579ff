"""Parse µs/event with the format-family level fields, side by side with a baseline revision.

CPU time (`time.process_time`, so other processes on a shared machine do not count) of
`parse_message` over (1) the decode benchmark's messages (one seeded 5,000-event batch) and (2)
the LogHub sample lines (300 of each of the 16 systems, when ../shared/corpus is present). With
`BENCH_BASELINE=<git revision>`, that revision's `stream_processor` is loaded beside ours under
another name and parses the same 500-message chunks, alternating which goes first; the ratio
printed is the median of the per-chunk ratios (drift in machine load hits both sides of a pair).

    python -m bench levels
    BENCH_BASELINE=4aff39c BENCH_ROUNDS=400 python -m bench levels
"""

from __future__ import annotations

import importlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.decode import make_batch
from stream_processor.parse import Parsed, parse_message
from stream_processor.pipeline import decode_data

REPO = Path(__file__).resolve().parents[1]
LOGHUB = REPO.parent / "shared" / "corpus" / "logs" / "loghub"
Parse = Callable[[str], Parsed]


def _baseline(revision: str) -> Parse:
    """`parse_message` of `revision`, imported as package `baseline_stream_processor`."""
    root = Path(tempfile.mkdtemp(prefix="bench-levels-"))
    names = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", revision, "stream_processor"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in names:
        if name.endswith(".py"):
            target = root / name.replace("stream_processor", "baseline_stream_processor", 1)
            target.parent.mkdir(parents=True, exist_ok=True)
            blob = subprocess.run(
                ["git", "show", f"{revision}:{name}"], cwd=REPO, check=True, capture_output=True
            )
            target.write_bytes(blob.stdout)
    sys.path.insert(0, str(root))
    parse: Parse = importlib.import_module("baseline_stream_processor.parse").parse_message
    return parse


def _messages() -> dict[str, list[str]]:
    batch = make_batch(random.Random(2), 5000, 1_764_115_200_000)
    sets = {"decode mix": [event["message"] for event in decode_data(batch["awslogs"]["data"]).events]}
    if LOGHUB.is_dir():
        lines: list[str] = []
        for path in sorted(LOGHUB.glob("*_2k.log")):
            lines += path.read_text(encoding="utf-8").splitlines()[:300]
        sets["loghub lines"] = lines
    return sets


def _cpu(parse: Parse, messages: list[str]) -> float:
    started = time.process_time()
    for message in messages:
        parse(message)
    return time.process_time() - started


def main() -> None:
    rounds = int(os.environ.get("BENCH_ROUNDS", "200"))
    revision = os.environ.get("BENCH_BASELINE")
    baseline = _baseline(revision) if revision else None
    print(f"parse_message CPU µs/event, medians of {rounds} rounds of 500 messages")
    for name, messages in _messages().items():
        ours, theirs, ratios = [], [], []
        for i in range(rounds):
            chunk = messages[(i * 500) % len(messages) :][:500]
            if baseline is None:
                ours.append(_cpu(parse_message, chunk) / len(chunk))
                continue
            first, second = (parse_message, baseline) if i % 2 else (baseline, parse_message)
            a, b = _cpu(first, chunk), _cpu(second, chunk)
            mine, base = (a, b) if first is parse_message else (b, a)
            ours.append(mine / len(chunk))
            theirs.append(base / len(chunk))
            ratios.append(mine / base if base else 1.0)
        line = f"  {name:<13} ours {statistics.median(ours) * 1e6:6.2f}"
        if baseline is not None:
            before = statistics.median(theirs) * 1e6
            line += f"   {revision} {before:6.2f}   ratio {statistics.median(ratios):.3f}"
        print(line)


if __name__ == "__main__":
    main()
