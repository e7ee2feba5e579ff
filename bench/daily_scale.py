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


def _copy_hour_zero(client: Any, day: date) -> None:
    """Setup (untimed): every hour is the same size, so hour 00's rollup stands for the others."""
    from daily_report.source import rollup_doc

    body = client.get_object(Bucket=BUCKET, Key=rollup_doc.rollup_key(day, 0))["Body"].read()
    doc = rollup_doc.decode(body, "hour 00")
    for hour in range(1, 24):
        copy = rollup_doc.Rollup(
            doc.date, hour, rollup_doc.hour_prefix(day, hour), doc.objects, doc.covers, doc.partial
        )
        key = rollup_doc.rollup_key(day, hour)
        client.put_object(Bucket=BUCKET, Key=key, Body=copy.encode(), ServerSideEncryption="AES256")


def _roll(endpoint: str, token: str | None) -> dict[str, float]:
    from daily_report.rollup.roller import Roller
    from daily_report.source.reader import PartialSource

    client = _client(endpoint)
    roller = Roller(PartialSource(BUCKET, client))
    day = date.fromisoformat(DAY)
    started, cpu = time.perf_counter(), _cpu()
    result = roller.roll_up(day, 0, token)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    rss = _rss_mib()
    _copy_hour_zero(client, day)
    return {"seconds": seconds, "cpu": cpu, "fetched": result.fetched, "objects": result.objects, "rss": rss}


def child_rollup(endpoint: str) -> dict[str, float]:
    """The scheduled run: hour 00 rolled up from scratch (then copied to the other hours)."""
    return _roll(endpoint, None)


def child_refresh(endpoint: str) -> dict[str, float]:
    """A fan-out refresh of hour 00: list the hour, merge the late partials (then copied)."""
    return _roll(endpoint, "bench")


def _daily(endpoint: str, trusted: bool) -> dict[str, float]:
    from daily_report.report import build_report
    from daily_report.source import hourly
    from daily_report.source.reader import PartialSource
    from stream_processor.config import Config

    source = PartialSource(BUCKET, _client(endpoint))
    day = date.fromisoformat(DAY)
    started, cpu = time.perf_counter(), _cpu()
    if trusted:  # what the daily job does once the fan-out refreshed the 24 rollups
        plan = hourly.DayPlan(day, hourly.plan_trusted(source, day, list(range(24))))
    else:  # without a rollup function (CLI, local): list every hour here
        plan = hourly.plan_day(source, day)
    merged = hourly.merge_planned(source, plan)
    report = build_report(day, merged.partial, merged.objects, Config())
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    return {"seconds": seconds, "cpu": cpu, "objects": report["partials"], "rss": _rss_mib()}


def child_daily_listing(endpoint: str) -> dict[str, float]:
    return _daily(endpoint, trusted=False)


def child_daily_fanout(endpoint: str) -> dict[str, float]:
    return _daily(endpoint, trusted=True)


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
    """One size in a fresh endpoint process: (direct daily job,) rollup, late data, listing-mode
    daily job, fan-out refresh, fan-out daily job."""
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

        def step(name: str, child: str) -> None:
            before = _control(endpoint, "__stats")
            row[name] = _spawn(child, endpoint)
            row[name]["requests"] = _delta(_control(endpoint, "__stats"), before)

        if direct:
            step("direct", "child_daily_listing")  # no rollup exists yet: every partial is read
        step("rollup", "child_rollup")
        _control(endpoint, "__late")  # partials written after their hour's rollup
        step("listing", "child_daily_listing")
        step("refresh", "child_refresh")
        step("fanout", "child_daily_fanout")
        return row
    finally:
        server.terminate()
        server.join(10)


HEADER = (
    f"{'partials/day':>12} {'/hour':>6} | {'rollup/hour':>11} {'CPU/partial':>11} {'RSS':>7} | "
    f"{'refresh/hour':>12} | {'daily job':>9} {'CPU':>6} {'RSS':>7} {'GETs':>5} | "
    f"{'listing it':>10} {'CPU':>6} {'RSS':>7} {'GETs':>5} {'LISTs':>5}"
)


def _gets(step: dict[str, Any]) -> int:
    return sum(n for kind, n in step["requests"].items() if kind.startswith("GET"))


def _print(row: dict[str, Any]) -> None:
    rollup, refresh, fanout, listing = row["rollup"], row["refresh"], row["fanout"], row["listing"]
    print(
        f"{row['size']:>12,} {row['per_hour']:>6,} | {rollup['seconds']:>9.1f} s "
        f"{rollup['cpu'] / rollup['fetched'] * 1e3:>8.2f} ms {rollup['rss']:>3.0f} MiB | "
        f"{refresh['seconds']:>10.1f} s | {fanout['seconds']:>7.1f} s {fanout['cpu']:>4.1f} s "
        f"{fanout['rss']:>3.0f} MiB {_gets(fanout):>5,} | {listing['seconds']:>8.1f} s "
        f"{listing['cpu']:>4.1f} s {listing['rss']:>3.0f} MiB {_gets(listing):>5,} "
        f"{listing['requests'].get('LIST', 0):>5,}",
        flush=True,
    )
    if "direct" in row:
        direct = row["direct"]
        print(
            f"{'no rollups:':>12} daily job reading every partial {direct['seconds']:.1f} s wall, "
            f"{direct['cpu']:.1f} s CPU, {_gets(direct):,} GETs, RSS {direct['rss']:.0f} MiB = "
            f"{direct['seconds'] / fanout['seconds']:.0f}x the wall time of the rolled-up day",
            flush=True,
        )


RTT = 0.0225  # mean simulated round trip (s)
FETCH_THREADS = 16  # DEFAULT_WORKERS: GETs in flight


def extrapolate(rows: list[dict[str, Any]]) -> None:
    """5 M/day from the largest measured size, on one vCPU (the functions' 1769 MB).

    A step takes the longer of its network time (requests / parallelism x RTT) and its CPU time
    (CPU seconds per partial, measured, x partials). On this shared VM wall times are inflated by
    other processes; CPU seconds are not, so the formula uses them.
    """
    big = rows[-1]
    per_hour = TARGET_PER_DAY / 24
    rollup_cpu = big["rollup"]["cpu"] / big["rollup"]["fetched"]
    rollup_s = per_hour * max(rollup_cpu, RTT / FETCH_THREADS)
    list_cpu = big["refresh"]["cpu"] / big["per_hour"]  # refresh = list the hour + a few late GETs
    refresh_s = per_hour * list_cpu + per_hour / 1000 * RTT
    daily_s = refresh_s + big["fanout"]["cpu"] + 2 * RTT
    print(
        f"5,000,000 partials/day: hourly rollup = N/24 x max({rollup_cpu * 1e3:.2f} ms CPU, "
        f"{RTT * 1e3:.1f} ms / {FETCH_THREADS}) = {rollup_s:,.0f} s in one run; with the 15-minute "
        f"catch-up schedule a run merges at most a quarter hour: {rollup_s / 4:,.0f} s (target <= 600)",
        flush=True,
    )
    print(
        f"5,000,000 partials/day: daily job = refresh (N/24 x {list_cpu * 1e6:.0f} us CPU listing + "
        f"N/24/1000 pages x {RTT * 1e3:.1f} ms = {refresh_s:,.0f} s, the 24 hours in parallel) + "
        f"merge of 24 rollups ({big['fanout']['cpu']:.1f} s CPU) = {daily_s:,.0f} s (target <= 120)",
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
