"""`make cost`: what the StreamProcessor costs per GB of logs, Direct vs Kinesis mode, measured.

The real handler runs against moto's server through a loopback proxy (tests/support/fault_proxy.py) that
counts every request by kind and adds a round trip (`--rtt`, default 15 ms) to each. The fleet
(streams, events/s per stream, the CloudWatch agent's flush interval, message size) fixes the
batches: one batch per stream per flush. Measured per invocation: requests by kind and wall
milliseconds; the model (bench/cost_model.py, prices in bench/prices.py) turns them into $/GB and
$/month and finds the fleet size where Kinesis mode becomes cheaper.

Two fleets, each reported in full: the quiet one (application lines, a few sshd logins) and a
security-heavy one (issue 26: 6 % sshd failures from random source addresses, 2 % sudo lines),
where nearly every batch holds alert detections of keys never seen before.

    python -m bench.cost [--streams 1000] [--rtt 0.015] [--direct 30] [--fleets quiet,security-heavy]
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.cost_model import Fleet, Measured
from bench.cost_report import report
from tests.support.fault_proxy import FaultProxy

START_MS = 1_764_158_400_000  # 2025-11-26T12:00:00Z
CONTEXT = (
    "region=us-east-1",
    "az=us-east-1{n}",
    "trace={h}",
    "path=/api/v1/items/{n}",
    'ua="aws-cli/2.15 Python/3.11"',
    "bytes={n}",
    "host=ip-10-0-{n}",
    "env=prod",
)
WORDS = ("GetObject", "PutObject", "AssumeRole", "ListUsers", "DescribeInstances", "RunInstances")
INTRUDERS = ("admin", "oracle", "test", "ubuntu", "git", "postgres", "user", "pi")
# the issue 26 measurement: 40 streams, ~6 % sshd failures from random addresses, 2 % sudo lines
SECURITY_FLEET = Fleet(40, auth_failures=0.06, sudo=0.02, name="security-heavy")


class RoundTripProxy(FaultProxy):
    """The fault proxy with a fixed delay before every forwarded request (a network round trip)."""

    def __init__(self, upstream: str, rtt: float) -> None:
        super().__init__(upstream, lifetime=3600.0)
        self.rtt = rtt

    def decide(self, op: str) -> Any:
        time.sleep(self.rtt)
        return super().decide(op)


def security_line(rng: random.Random, fleet: Fleet) -> str | None:
    """An sshd failure from a random address or a sudo command, at the fleet's shares; else None."""
    if not (fleet.auth_failures or fleet.sudo):
        return None  # draws nothing: the quiet fleet's lines stay what they were
    choice, n = rng.random(), rng.randrange(100_000)
    stamp = f"Nov 26 12:{n % 60:02d}:{n // 60 % 60:02d} ip-10-0-{n % 255}-{n % 7}"
    if choice < fleet.auth_failures:
        address = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        return (
            f"{stamp} sshd[{n}]: Failed password for invalid user {rng.choice(INTRUDERS)}{n % 100} "
            f"from {address} port {rng.randrange(1024, 65536)} ssh2"
        )
    if choice < fleet.auth_failures + fleet.sudo:
        user = f"ops{n % 9}"
        return (
            f"{stamp} sudo:   {user} : TTY=pts/{n % 4} ; PWD=/home/{user} ; USER=root ; "
            f"COMMAND=/usr/bin/systemctl restart app{n % 5}"
        )
    return None


def message(rng: random.Random, size: int, fleet: Fleet | None = None) -> str:
    """A realistic admin/operator line padded to `size` bytes (so gzip sees realistic entropy)."""
    special = None if fleet is None else security_line(rng, fleet)
    if special is not None:
        return special
    n = rng.randrange(100_000)
    choice = rng.random()
    if choice < 0.5:
        text = (
            f'{{"level":"{rng.choice(("INFO", "INFO", "WARN", "ERROR"))}","user":"user{n % 500}",'
            f'"action":"{rng.choice(WORDS)}","status":{rng.choice((200, 200, 403, 500))},'
            f'"latency_ms":{rng.randrange(1, 3000)},"request_id":"{uuid.UUID(int=rng.getrandbits(128))}"}}'
        )
    elif choice < 0.8:
        text = f"INFO worker-{n % 64} processed job {n} in {rng.randrange(1, 900)} ms for tenant t{n % 97}"
    else:
        host = f"ip-10-0-{n % 255}-{n % 7}"
        text = f"Nov 26 12:00:{n % 60:02d} {host} sshd[{n}]: Accepted publickey for ops{n % 9}"
    while len(text) < size:  # realistic context fields, not one long random token
        text += " " + rng.choice(CONTEXT).format(n=rng.randrange(10_000), h=f"{rng.getrandbits(64):016x}")
    return text[:size]


def payloads(count: int, events: int, size: int, seed: int, fleet: Fleet | None = None) -> list[bytes]:
    """`count` distinct batches (one per stream) of `events` messages of about `size` bytes (the
    fleet's mix of security lines, if any)."""
    import gzip

    import orjson

    rng = random.Random(seed)
    out = []
    for index in range(count):
        stamps = [START_MS + rng.randrange(3_000_000) for _ in range(events)]
        stamps.sort()
        batch = [
            {
                "id": f"{stamp:020d}{seed:012d}{index:08d}{i:016d}",
                "timestamp": stamp,
                "message": message(rng, size, fleet),
            }
            for i, stamp in enumerate(stamps)
        ]
        envelope = {
            "messageType": "DATA_MESSAGE",
            "owner": "123456789012",
            "logGroup": ("/admin/logs", "/operator/logs")[index % 2],
            "logStream": f"i-{seed:04x}{index:012x}",
            "subscriptionFilters": ["logreview"],
            "logEvents": batch,
        }
        out.append(gzip.compress(orjson.dumps(envelope), mtime=0))
    return out


def kinesis_event(raws: list[bytes]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventSource": "aws:kinesis",
                "eventID": f"shardId-0:{i}",
                "kinesis": {"data": base64.b64encode(r).decode()},
            }
            for i, r in enumerate(raws)
        ]
    }


def moto_with_config(bucket: str, parameter: str = "/log-processor/config") -> tuple[Any, str]:
    """moto's server in this process, the handler's environment pointed at it (dummy credentials,
    AWS_ENDPOINT_URL, REPORT_BUCKET, CONFIG_PARAMETER), the bucket and the default config document
    provisioned: (server, its URL). stream_processor is imported here, so a caller may first put
    another checkout on sys.path (bench/invocation.py)."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    from stream_processor.config import default_config_json

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    os.environ.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto's dummy credentials
        POWERTOOLS_LOG_LEVEL="ERROR",
        POWERTOOLS_METRICS_NAMESPACE="LogProcessor",
    )
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    upstream = f"http://{host}:{port}"
    os.environ["AWS_ENDPOINT_URL"] = upstream
    boto3.client("s3").create_bucket(Bucket=bucket)
    boto3.client("ssm").put_parameter(  # moto's state is per process: a second server sees the first's
        Name=parameter, Type="String", Value=default_config_json(bucket), Overwrite=True
    )
    os.environ.update(REPORT_BUCKET=bucket, CONFIG_PARAMETER=parameter)
    return server, upstream


@contextmanager
def endpoint(rtt: float, bucket: str = "logreview-cost") -> Iterator[RoundTripProxy]:
    """moto's server behind the counting proxy; a bucket and the config parameter provisioned;
    the handler's cached clients and config dropped (they may point at an earlier server)."""
    server, upstream = moto_with_config(bucket)  # sets the environment before stream_processor loads
    from stream_processor import handler
    from stream_processor.config import clear_caches

    handler._ingest.cache_clear()
    clear_caches()
    proxy = RoundTripProxy(upstream, rtt)
    with proxy:
        os.environ["AWS_ENDPOINT_URL"] = proxy.endpoint
        try:
            yield proxy
        finally:
            server.stop()


def run(proxy: RoundTripProxy, events: list[dict[str, Any]], records: int, cold: bool = False) -> Measured:
    """Invoke the handler once per event (output silenced); requests by kind, wall ms each.
    `cold`: forget the alert state documents before each invocation (Direct mode: many
    containers, so the one invoked rarely wrote the window's document last)."""
    import contextlib
    import io

    from stream_processor.handler import current_ingest, lambda_handler

    before = Counter(proxy.calls)
    wall, cpu = [], []
    for event in events:
        alerts = current_ingest().alerts
        if cold and alerts is not None:
            alerts.state.forget()
        with contextlib.redirect_stdout(io.StringIO()):  # EMF lines
            started, started_cpu = time.perf_counter(), time.thread_time()
            lambda_handler(event, None)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
    requests = Counter(proxy.calls)
    requests.subtract(before)
    counted = {k: v for k, v in requests.items() if v}
    return Measured(records, len(events), statistics.median(wall), counted, statistics.median(cpu))


def measure(fleet: Fleet, rtt: float, direct_runs: int, sizes: tuple[int, ...]) -> dict[str, Measured]:
    """Direct invocations (one batch) at `rtt` and at 0 (their difference: the round trips on the
    critical path), Kinesis invocations of `sizes` records at `rtt`; warmed up first (config read,
    clients created). Direct invocations start with no remembered alert state (see `run`)."""
    out: dict[str, Measured] = {}
    seed = iter(range(1, 10_000))
    events = fleet.events_per_batch

    def batches(count: int) -> list[bytes]:
        return payloads(count, events, fleet.message_bytes, next(seed), fleet)

    with endpoint(rtt, f"logreview-cost-{fleet.name}") as proxy:
        warm = batches(2)
        run(proxy, [{"awslogs": {"data": base64.b64encode(warm[0]).decode()}}], 1)
        for label, delay in (("", rtt), ("cpu:", 0.0)):  # Direct twice: its round trips
            proxy.rtt = delay
            direct = batches(direct_runs)
            out[label + "direct"] = run(
                proxy, [{"awslogs": {"data": base64.b64encode(raw).decode()}} for raw in direct], 1, cold=True
            )
        proxy.rtt = rtt
        for size in sizes:
            repeats = 3 if size <= 1000 else 1
            groups = [batches(size) for _ in range(repeats)]
            out[f"kinesis:{size}"] = run(proxy, [kinesis_event(g) for g in groups], size)
        out["payload_bytes"] = Measured(0, 0, statistics.mean(len(r) for r in direct), {})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--streams", type=int, default=1000, help="the quiet fleet's size (the other: 40)")
    parser.add_argument("--rtt", type=float, default=0.015, help="added round trip per request (s)")
    parser.add_argument("--direct", type=int, default=30, help="Direct invocations measured")
    parser.add_argument("--large", type=int, default=10_000, help="records in the large Kinesis invocation")
    parser.add_argument(
        "--fleets", default="quiet,security-heavy", help="which fleets to measure (comma-separated)"
    )
    args = parser.parse_args(argv)
    chosen = args.fleets.split(",")
    fleets = [fleet for fleet in (Fleet(args.streams), SECURITY_FLEET) if fleet.name in chosen]
    for fleet in fleets:
        started = time.perf_counter()
        measured = measure(fleet, args.rtt, args.direct, (160, args.large))
        print(report(fleet, measured, args.rtt, args.large))
        print(f"(measured in {time.perf_counter() - started:.0f} s)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
