"""The candidate rule engines on the same texts and patterns: why google-re2's Set was chosen.

Patterns: every pattern the built-in detector compiles (text rules, CloudTrail needles, gates).
Texts: the messages of bench/decode.py's generator and of the large dataset (bench/samples.py).
Per engine: compile time, and µs per message to find which patterns occur in each message.
Candidates: `re2.Set` (google-re2), Hyperscan/Vectorscan (`hyperscan`, when installed: block
mode, one scan per message, SINGLEMATCH), and this project's pure-Python fallback (lazy DFA).

    python -m bench engines
"""

from __future__ import annotations

import base64
import gzip
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson

from bench.decode import START_MS, make_batch
from bench.samples import large_batch
from stream_processor.detect import DEFAULT_DETECTOR
from stream_processor.detect.engine import PatternSet

Scan = Callable[[list[str]], object]


def _messages(event: dict[str, Any]) -> list[str]:
    doc = orjson.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    return [e["message"] for e in doc["logEvents"]]


def _hyperscan(patterns: list[str]) -> tuple[float, Scan] | None:
    try:
        import hyperscan  # type: ignore[import-not-found]
    except ImportError:
        return None
    started = time.perf_counter()
    database = hyperscan.Database()
    flags = hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_UTF8
    database.compile(
        expressions=[p.encode() for p in patterns],
        ids=list(range(len(patterns))),
        flags=[flags] * len(patterns),
    )
    database.scratch = hyperscan.Scratch(database)
    compile_ms = (time.perf_counter() - started) * 1000

    def scan(texts: list[str]) -> object:
        hits: dict[int, list[int]] = {}
        current = [0]

        def found(pattern: int, *_: object) -> None:
            hits.setdefault(current[0], []).append(pattern)

        for index, text in enumerate(texts):
            current[0] = index
            database.scan(text.encode(), match_event_handler=found)
        return hits

    return compile_ms, scan


def _ours(patterns: list[str], use_re2: bool) -> tuple[float, Scan]:
    started = time.perf_counter()
    engine = PatternSet(patterns, use_re2=use_re2, validate=False)
    engine.scan(["warm up"])
    return (time.perf_counter() - started) * 1000, engine.scan


def main() -> None:
    DEFAULT_DETECTOR.scan(["compile"])
    patterns = list(DEFAULT_DETECTOR._compiled().patterns)
    rng = random.Random(5)
    datasets = {
        "generator": _messages(make_batch(rng, 5000, START_MS)),
        "large": _messages(large_batch(rng, 2000, START_MS)),
    }
    engines: dict[str, tuple[float, Scan]] = {
        "re2.Set": _ours(patterns, True),
        "python fallback": _ours(patterns, False),
    }
    found = _hyperscan(patterns)
    if found is not None:
        engines["hyperscan"] = found
    print(f"{len(patterns)} patterns (the built-in detector's)")
    for name, (compile_ms, _) in engines.items():
        print(f"  {name:<16} compile {compile_ms:8.1f} ms")
    for label, texts in datasets.items():
        size = sum(map(len, texts)) / len(texts)
        print(f"dataset {label}: {len(texts)} messages, {size:.0f} characters on average")
        for name, (_, scan) in engines.items():
            sample = texts if name != "python fallback" else texts[:300]
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                scan(sample)
                runs.append((time.perf_counter() - started) / len(sample) * 1e6)
            print(f"  {name:<16} {statistics.median(runs):8.2f} us/message")


if __name__ == "__main__":
    main()
