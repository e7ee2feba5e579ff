"""Soak: a generated day of N events (batches of 1-10,000 events) through the StreamProcessor
handler with concurrent workers against a local AWS endpoint, then the DailyReport handler; the
report's totals must equal the ground truth. Prints throughput (events/s) and peak RSS.

    make soak                                   # 1,000,000 events, moto server in a subprocess
    python -m bench.soak --events 200000 --workers 4 --processes

Workers are threads by default; `--processes` runs each worker in its own process (as separate
Lambda instances would) and reports the largest worker's peak RSS. `make test` runs the same
scenario at 50,000 events (tests/integration/processor/test_load.py). Not part of `make bench` (no `main`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tests.support.builders import subscription_event
from tests.support.generated_day import Day, generate_day
from tests.support.readers import read_report, report_counts

CHUNK = 64  # payloads handed to a worker process at a time


@dataclass(frozen=True, slots=True)
class SoakResult:
    events: int
    batches: int
    seconds: float
    peak_rss_mib: float
    exact: bool
    report_events: int

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        verdict = "exact" if self.exact else "MISMATCH"
        return (
            f"{self.events:,} events in {self.batches:,} batches: {self.seconds:.1f} s, "
            f"{self.events_per_second:,.0f} events/s, peak RSS {self.peak_rss_mib:.0f} MiB; "
            f"report {self.report_events:,} events ({verdict})"
        )


def _handle(raw: bytes) -> int:
    from stream_processor.handler import lambda_handler

    result: dict[str, Any] = lambda_handler(subscription_event(raw), None)
    if result["processed"] != 1:
        raise RuntimeError(f"batch not processed: {result}")
    return int(result["events"])


def _handle_many(raws: list[bytes]) -> int:
    return sum(_handle(raw) for raw in raws)


def _quiet_worker() -> None:
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the worker's EMF lines, for its lifetime


def _peak_rss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def drive(day: Day, workers: int, processes: bool = False) -> tuple[int, float, float]:
    """Every payload through the handler once; (events, seconds, peak RSS MiB of a worker).

    The EMF lines the handler prints (one per batch) go to /dev/null, still written.
    """
    pool: Executor
    if processes:
        chunks = [day.payloads[i : i + CHUNK] for i in range(0, len(day.payloads), CHUNK)]
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_quiet_worker)
        started = time.perf_counter()
        with pool:
            events = sum(pool.map(_handle_many, chunks))
        return events, time.perf_counter() - started, _peak_rss_mib(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), ThreadPoolExecutor(workers) as pool:
        events = sum(pool.map(_handle, day.payloads))
    return events, time.perf_counter() - started, _peak_rss_mib(resource.RUSAGE_SELF)


def check(s3: Any, bucket: str, day: Day) -> tuple[bool, int]:
    """Run the daily report of every day touched; whether each equals the ground truth, and the
    events they report in total."""
    from daily_report.handler import lambda_handler as daily

    exact, reported = True, 0
    for date in sorted(day.truth.days):
        daily({"date": date}, None)
        report = read_report(s3, bucket, date)
        exact = exact and report_counts(report) == day.truth.days[date]
        exact = exact and report["totals"]["events"] == day.truth.total(date)
        reported += int(report["totals"]["events"])
    return exact, reported


def soak(
    s3: Any, bucket: str, events: int, workers: int, processes: bool = False, seed: int = 1
) -> SoakResult:
    """Generate, drive and check; the environment (endpoint, bucket, config) is already set."""
    day = generate_day(seed=seed, events=events, largest=10_000)
    handled, seconds, peak = drive(day, workers, processes)
    exact, reported = check(s3, bucket, day)
    return SoakResult(handled, len(day.payloads), seconds, peak, exact and handled == events, reported)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server, endpoint
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("moto server did not start")


def _provision() -> tuple[Any, str]:
    import boto3

    from stream_processor.config import default_config_json

    bucket = f"logreview-soak-{uuid.uuid4().hex[:10]}"
    parameter = f"/log-processor/soak-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    boto3.client("ssm").put_parameter(Name=parameter, Type="String", Value=default_config_json(bucket))
    os.environ.update(REPORT_BUCKET=bucket, CONFIG_PARAMETER=parameter)
    return s3, bucket


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--processes", action="store_true", help="one process per worker")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for key, value in (
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("POWERTOOLS_LOG_LEVEL", "WARNING"),
    ):
        os.environ.setdefault(key, value)
    server, endpoint = _start_moto()
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        s3, bucket = _provision()
        result = soak(s3, bucket, args.events, args.workers, args.processes, args.seed)
    finally:
        server.terminate()
        server.wait(timeout=10)
    mode = "processes" if args.processes else "threads"
    print(f"soak ({args.workers} {mode}, moto at {endpoint}): {result.line()}")
    return 0 if result.exact else 1


if __name__ == "__main__":
    sys.exit(run())
