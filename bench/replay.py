"""Events/s of in-process replay (`logreview replay` of archive/) from a local moto server, with
1 worker and with N workers, side by side; medians over repeats.

Each run reads every archived batch over HTTP, aggregates it and writes its partials (the archive
is replayed in place, so it is not rewritten); replay is idempotent, so every run does identical
work. moto runs in a child process so its request handling does not share our GIL. Local moto
answers in about a millisecond, so there the replay is CPU-bound in the aggregate step and threads
only overlap S3 I/O; the second pair of figures adds a simulated 20 ms round trip per S3 request
(a botocore send hook), closer to real S3, where the pool hides the round trips.

    python -m bench replay                       # 120 batches x 250 events, N=8, 3 repeats
    BENCH_REPEATS=5 BENCH_WORKERS=16 python -m bench replay
"""

from __future__ import annotations

import base64
import multiprocessing
import os
import random
import socket
import statistics
import time
from multiprocessing.synchronize import Event
from typing import TYPE_CHECKING

from bench.decode import START_MS, make_batch
from stream_processor.decode import decode_payload
from stream_processor.ingest import Ingest, logger
from stream_processor.pipeline import DEFAULT_RULES
from stream_processor.replay.days import DayRange
from stream_processor.replay.run import run_pool
from stream_processor.replay.select import select
from stream_processor.replay.work import ObjectReplayer, SilentMetrics
from stream_processor.sinks.s3 import S3Sink, archive_key, s3_client

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BATCHES = 120
EVENTS_PER_BATCH = 250
BUCKET = "logreview-bench-replay"
LATENCY = 0.02  # a typical in-region S3 round trip; local moto answers in about a millisecond


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fill(sink: S3Sink) -> int:
    """Archive BATCHES generated batches the way the live path does; return the event count."""
    rng = random.Random(5)
    events = 0
    for _ in range(BATCHES):
        event = make_batch(rng, EVENTS_PER_BATCH, START_MS + rng.randrange(20 * 3_600_000))
        raw = base64.b64decode(event["awslogs"]["data"])
        batch = decode_payload(raw)
        writes = sink.writes()
        writes.archive(archive_key([batch], batch.batch_id), [raw], [batch])  # one per Direct invocation
        writes.confirm()
        events += len(batch.events)
    return events


def _with_latency(client: S3Client, seconds: float) -> S3Client:
    """The same endpoint seen through a simulated network round trip (a botocore send hook)."""

    def delay(**_: object) -> None:
        time.sleep(seconds)

    client.meta.events.register("before-send.s3.*", delay)
    return client


def _rate(sink: S3Sink, workers: int) -> float:
    replayer = ObjectReplayer(sink.client, Ingest(sink, lambda: DEFAULT_RULES, metrics=SilentMetrics()))
    objects = list(select(sink.client, f"s3://{BUCKET}/archive/", "archive", DayRange(), []))
    started = time.perf_counter()
    tally = run_pool(objects, replayer, workers)
    elapsed = time.perf_counter() - started
    assert tally.ok and tally.objects == BATCHES, tally
    return tally.events / elapsed


def _serve(port: int, stop: Event) -> None:
    """moto's ThreadedMotoServer in a child process: its request handling must not share our GIL,
    just as S3 does not share the replaying machine's CPU."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    stop.wait()
    server.stop()


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("moto server did not start")


def main() -> None:
    logger.setLevel("WARNING")
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    workers = int(os.environ.get("BENCH_WORKERS", "8"))
    for name, value in (("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "bench")):
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    port = _free_port()
    stop = multiprocessing.Event()
    server = multiprocessing.Process(target=_serve, args=(port, stop), daemon=True)
    server.start()
    _wait_for(port)
    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    try:
        client = s3_client()
        client.create_bucket(Bucket=BUCKET)
        sink = S3Sink(BUCKET, client)
        events = _fill(sink)
        print(f"{BATCHES} archived batches, {events:,} events; medians of {repeats}")
        far = S3Sink(BUCKET, _with_latency(s3_client(), LATENCY))
        for label, target in (("local moto", sink), (f"+{LATENCY * 1000:.0f} ms per S3 request", far)):
            one = statistics.median(_rate(target, 1) for _ in range(repeats))
            many = statistics.median(_rate(target, workers) for _ in range(repeats))
            print(f"{label}: 1 worker {one:,.0f} events/s, {workers} workers {many:,.0f} events/s")
            print(f"{label}: ratio {workers} workers / 1 worker: {many / one:.2f}x")
    finally:
        stop.set()
        server.join(10)
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = previous
