"""Partials/s and peak RSS of the daily report's merge, without S3 (issue 3).

Synthetic partials come from the real pipeline (`aggregate_batch` over generated batches of JSON
and text lines with errors, latencies and security events), encoded once as 200 templates. Two
workloads: "typical" (120 principals, 40 actions: counters stay under their 1,000-key caps) and
"cap-stress" (6,000 principals, 3,000 actions: hours pass the cap, so merges sample by hash
level). Each measured run decodes and merges N of them through the report's own `merge_stream`
(16 threads fetching from memory instead of S3) and then builds the report. Each N runs in a
fresh subprocess so peak RSS figures are comparable.

Targets: ≥ 5,000 partials/s, and peak RSS(100,000) ≤ 1.2 × peak RSS(10,000).

    python -m bench merge                  # per workload: 10k × 3 and 100k × 1 runs (medians)
    BENCH_REPEATS=5 python -m bench merge
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime

import orjson

from daily_report.report import build_report
from daily_report.source.merge import merge_stream
from daily_report.source.rollup_doc import PartialObject
from stream_processor import aggregate
from stream_processor.config import Config
from stream_processor.decode import Batch, batch_id
from stream_processor.pipeline import aggregate_batch

DAY = date(2026, 3, 14)
DAY_MS = 1_773_446_400_000  # 2026-03-14T00:00:00Z
TEMPLATES = 200
SIZES = (10_000, 100_000)


WORKLOADS = {"typical": (120, 40), "cap-stress": (6000, 3000)}  # distinct principals, actions


def _message(rng: random.Random, n: int, users: int, actions: int) -> str:
    user = f"user{rng.randrange(users)}"
    roll = rng.random()
    if roll < 0.05:
        return f"sshd[{n}]: Failed password for invalid user {user} from 10.0.{n % 250}.9 port 22 ssh2"
    if roll < 0.12:
        return f"ERROR {rng.choice(('db', 'cache', 'queue', 'auth'))} call failed after {n % 97} retries"
    doc = {
        "level": rng.choice(("INFO", "INFO", "DEBUG", "WARN")),
        "user": user,
        "action": rng.choice(("GetObject", "PutObject", "ListUsers", f"op{rng.randrange(actions)}")),
        "status": rng.choice((200, 200, 204, 404, 500)),
        "latency_ms": round(rng.lognormvariate(3.5, 1.0), 2),
        "msg": "request served",
    }
    return orjson.dumps(doc).decode()


def templates(workload: str = "typical", count: int = TEMPLATES, seed: int = 5) -> list[bytes]:
    """Encoded partials as the stream processor writes them: one batch each, 20-400 events."""
    users, actions = WORKLOADS[workload]
    rng = random.Random(seed)
    found = []
    for index in range(count):
        group = "/admin/logs" if index % 3 else "/operator/logs"
        start = DAY_MS + rng.randrange(22) * 3_600_000
        events = [
            {
                "id": f"{index:08d}{n:08d}",
                "timestamp": start + rng.randrange(7_200_000),
                "message": _message(rng, n, users, actions),
            }
            for n in range(rng.randrange(20, 400))
        ]
        events.sort(key=lambda e: e["timestamp"])
        bid = batch_id("123456789012", group, f"stream-{index}", events)
        batch = Batch("DATA_MESSAGE", "123456789012", group, f"stream-{index}", ("f",), events, bid)
        (partial,) = aggregate_batch(batch)
        found.append(aggregate.encode(partial))
    return found


def child(workload: str, count: int) -> dict[str, float]:
    """One measured merge of `count` partials (run in a fresh process)."""
    bodies = templates(workload)
    stamp = datetime(2026, 3, 15, tzinfo=UTC)
    objects = (PartialObject(str(i), stamp) for i in range(count))
    started = time.perf_counter()
    merged = merge_stream(objects, lambda obj: bodies[int(obj.key) % len(bodies)], workers=16)
    merge_seconds = time.perf_counter() - started
    report = build_report(DAY, merged.partial, merged.objects, Config())
    seconds = time.perf_counter() - started
    assert report["partials"] == count
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "partials": count,
        "seconds": seconds,
        "merge_seconds": merge_seconds,
        "peak_rss_mib": peak_kib / 1024,
    }


def _spawn(workload: str, count: int) -> dict[str, float]:
    code = f"import orjson, bench.merge as m; print(orjson.dumps(m.child({workload!r}, {count})).decode())"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    result: dict[str, float] = orjson.loads(out.stdout.strip().splitlines()[-1])
    return result


def _workload(name: str, repeats: int) -> None:
    results: dict[int, dict[str, float]] = {}
    for count in SIZES:
        runs = [_spawn(name, count) for _ in range(repeats if count <= 10_000 else max(1, repeats // 3))]
        rate = statistics.median(r["partials"] / r["seconds"] for r in runs)
        rss = statistics.median(r["peak_rss_mib"] for r in runs)
        results[count] = {"rate": rate, "rss": rss}
        print(
            f"{name:>10} {count:>7,} partials: {rate:>7,.0f} partials/s (merge + report, "
            f"median of {len(runs)})   peak RSS {rss:6.1f} MiB",
            flush=True,
        )
    small, large = results[SIZES[0]], results[SIZES[1]]
    print(
        f"{name:>10} peak RSS 100k/10k: {large['rss'] / small['rss']:.3f} (target ≤ 1.2)   "
        f"slowest: {min(small['rate'], large['rate']):,.0f} partials/s (target ≥ 5,000)",
        flush=True,
    )


def main() -> None:
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    for name in WORKLOADS:
        _workload(name, repeats)


if __name__ == "__main__":
    main()
