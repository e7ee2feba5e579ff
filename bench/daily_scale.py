"""The daily report past one Lambda (issue 11): hourly rollup and daily job at 10k/100k/1M partials.

The real client code — `Roller.roll_up` (list the hour, fetch with If-Match, merge, put) and the
daily job's `hourly.merge_day` (GET 24 rollups, list every hour, fetch late partials) plus
`build_report` — runs against `bench.s3sim`, an S3-compatible endpoint over real HTTP that adds a
uniform 15-30 ms round trip to every request and serves the day's partials virtually (moto cannot
hold a million keys; see s3sim's docstring). Direct-mode shape: one partial per batch, spread
evenly over the 24 hours, plus LATE_PER_HOUR partials per hour written after the rollups.

Per size: one hour is rolled up for real (every hour has the same size, and hours are independent
Lambda invocations), its rollup is copied to the other 23 hours (setup, untimed), the late
partials appear, then the daily job runs. At 10k the daily job also runs without rollups (every
partial read directly) for the ratio. Every measured step runs in a fresh process (peak RSS).

    python -m bench daily_scale                       # 10k, 100k, 1M
    BENCH_SIZES=10000,100000 python -m bench daily_scale
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import subprocess
import sys
import time
import urllib.request
from datetime import date
from typing import Any

import orjson

DAY = "2026-03-14"
SIZES = (10_000, 100_000, 1_000_000)
LATE_PER_HOUR = 10
TARGET_PER_DAY = 5_000_000
BUCKET = "bench"


def _client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"max_attempts": 5, "mode": "adaptive"},
        max_pool_connections=32,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=config,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - a local endpoint
    )


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process (all threads): what the step costs whatever else runs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_rollup(endpoint: str) -> dict[str, float]:
    """Roll up hour 00 for real, then copy its rollup to the other 23 hours (untimed)."""
    from daily_report import rollup_doc
    from daily_report.rollup import Roller
    from daily_report.source import PartialSource

    client = _client(endpoint)
    roller = Roller(PartialSource(BUCKET, client))
    day = date.fromisoformat(DAY)
    started, cpu = time.perf_counter(), _cpu()
    result = roller.roll_up(day, 0)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    rss = _rss_mib()
    body = client.get_object(Bucket=BUCKET, Key=rollup_doc.rollup_key(day, 0))["Body"].read()
    doc = rollup_doc.decode(body, "hour 00")
    for hour in range(1, 24):
        copy = rollup_doc.Rollup(
            doc.date, hour, rollup_doc.hour_prefix(day, hour), doc.objects, doc.covers, doc.partial
        )
        client.put_object(
            Bucket=BUCKET,
            Key=rollup_doc.rollup_key(day, hour),
            Body=copy.encode(),
            ServerSideEncryption="AES256",
        )
    return {"seconds": seconds, "cpu": cpu, "fetched": result.fetched, "rss": rss}


def child_daily(endpoint: str) -> dict[str, float]:
    """The daily job's merge (rollups first) and report build for the day."""
    from daily_report.hourly import merge_day
    from daily_report.report import build_report
    from daily_report.source import PartialSource
    from stream_processor.config import Config

    source = PartialSource(BUCKET, _client(endpoint))
    day = date.fromisoformat(DAY)
    started, cpu = time.perf_counter(), _cpu()
    merged = merge_day(source, day)
    report = build_report(day, merged.partial, merged.objects, Config())
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    return {"seconds": seconds, "cpu": cpu, "objects": report["partials"], "rss": _rss_mib()}


def _spawn(name: str, endpoint: str) -> dict[str, float]:
    code = f"import orjson, bench.daily_scale as b; print(orjson.dumps(b.{name}({endpoint!r})).decode())"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    result: dict[str, float] = orjson.loads(out.stdout.strip().splitlines()[-1])
    return result


def _control(endpoint: str, what: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{endpoint}/{what}", timeout=30) as response:  # noqa: S310 - loopback
        body = response.read()
    return orjson.loads(body) if body else {}


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}


def measure(size: int, templates: list[bytes], direct: bool) -> dict[str, Any]:
    """One size in a fresh endpoint process: (direct daily job,) rollup of one hour, daily job."""
    from bench.s3sim import serve

    per_hour = size // 24
    ctx = multiprocessing.get_context("fork")
    ready, port = ctx.Event(), ctx.Value("i", 0)
    server = ctx.Process(
        target=serve, args=(DAY, per_hour, LATE_PER_HOUR, templates, ready, port), daemon=True
    )
    server.start()
    try:
        ready.wait(30)
        endpoint = f"http://127.0.0.1:{port.value}"
        row: dict[str, Any] = {"size": size, "per_hour": per_hour}
        if direct:
            before = _control(endpoint, "__stats")
            row["direct"] = _spawn("child_daily", endpoint)
            row["direct_requests"] = _delta(_control(endpoint, "__stats"), before)
        before = _control(endpoint, "__stats")
        row["rollup"] = _spawn("child_rollup", endpoint)
        row["rollup_requests"] = _delta(_control(endpoint, "__stats"), before)
        _control(endpoint, "__late")
        before = _control(endpoint, "__stats")
        row["daily"] = _spawn("child_daily", endpoint)
        row["daily_requests"] = _delta(_control(endpoint, "__stats"), before)
        return row
    finally:
        server.terminate()
        server.join(10)


HEADER = (
    f"{'partials/day':>13} {'per hour':>8} | {'rollup 1 h':>10} {'CPU/partial':>11} {'RSS':>7} | "
    f"{'daily job':>9} {'CPU':>7} {'RSS':>7} {'GETs':>6} {'LISTs':>6}"
)


def _print(row: dict[str, Any]) -> None:
    rollup, daily, req = row["rollup"], row["daily"], row["daily_requests"]
    gets = req.get("GET rollups", 0) + req.get("GET aggregates", 0)
    print(
        f"{row['size']:>13,} {row['per_hour']:>8,} | {rollup['seconds']:>8.1f} s "
        f"{rollup['cpu'] / rollup['fetched'] * 1e3:>8.2f} ms {rollup['rss']:>3.0f} MiB | "
        f"{daily['seconds']:>7.1f} s {daily['cpu']:>5.1f} s {daily['rss']:>3.0f} MiB {gets:>6,} {req.get('LIST', 0):>6,}",
        flush=True,
    )
    if "direct" in row:
        direct, gets = row["direct"], row["direct_requests"].get("GET aggregates", 0)
        print(
            f"{'(no rollups)':>13} {'':>8} | {'':>10} {'':>11} {'':>7} | "
            f"{direct['seconds']:>7.1f} s {direct['cpu']:>5.1f} s {direct['rss']:>3.0f} MiB {gets:>6,}"
            f"   ratio {direct['seconds'] / daily['seconds']:.1f}x wall, {direct['cpu'] / daily['cpu']:.1f}x CPU",
            flush=True,
        )


RTT = 0.0225  # mean simulated round trip (s)
FETCH_THREADS = 16  # DEFAULT_WORKERS: GETs in flight
LIST_THREADS = 8  # hourly.PLAN_WORKERS: hours listed at once


def extrapolate(rows: list[dict[str, Any]]) -> None:
    """5 M/day from the largest measured size, on one vCPU (the functions' 1769 MB).

    A step takes the longer of its network time (requests / parallelism x RTT) and its CPU time
    (measured CPU seconds per partial x partials); on this shared VM wall times are inflated by
    other processes, so the formula uses CPU seconds, which are not.
    """
    big = rows[-1]
    per_hour = TARGET_PER_DAY / 24
    rollup_cpu = big["rollup"]["cpu"] / big["rollup"]["fetched"]
    rollup_net = RTT / FETCH_THREADS
    rollup_s = per_hour * max(rollup_cpu, rollup_net)
    daily_cpu = big["daily"]["cpu"] / big["size"]
    pages = TARGET_PER_DAY / 1000 + 24
    daily_net = pages / LIST_THREADS * RTT + 24 * RTT + 24 * LATE_PER_HOUR / FETCH_THREADS * RTT
    daily_s = max(TARGET_PER_DAY * daily_cpu, daily_net)
    print(
        f"5,000,000 partials/day, hourly rollup = N/24 x max({rollup_cpu * 1e3:.2f} ms CPU, "
        f"{RTT * 1e3:.1f} ms / {FETCH_THREADS} threads) = {rollup_s:,.0f} s (target <= 600)",
        flush=True,
    )
    print(
        f"5,000,000 partials/day, daily job = max(N x {daily_cpu * 1e6:.1f} us CPU, "
        f"(N/1000 LIST pages / {LIST_THREADS} + 24 GETs + late / {FETCH_THREADS}) x {RTT * 1e3:.1f} ms)"
        f" = {daily_s:,.0f} s (target <= 120)",
        flush=True,
    )


def main() -> None:
    from bench.merge import templates

    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", ",".join(map(str, SIZES))).split(",")]
    bodies = templates("typical", 50)
    print(f"daily scale: 15-30 ms per request (bench.s3sim), {LATE_PER_HOUR} late partials/hour", flush=True)
    print(HEADER, flush=True)
    rows = []
    for size in sizes:
        rows.append(measure(size, bodies, direct=size <= 10_000))
        _print(rows[-1])
    extrapolate(rows)


if __name__ == "__main__":
    main()
