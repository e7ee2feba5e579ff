"""Alert latency, our part: from handler entry to the notification being published on the topic.

Against the local endpoint (moto's server) behind a loopback proxy that adds a round trip
(`--rtt`, default 15 ms) to every request, as a Lambda in-region sees S3/SNS/EventBridge. Each
run is a warm invocation (clients and configuration cached, as in a warm Lambda) with a batch
holding a critical detection (CloudTrail StopLogging) in a fresh window, so every run notifies.
Printed side by side in one run: handler entry → SNS Publish returned (p50/p95), the whole
invocation, and the same with no added round trip (CPU + local endpoint only).

python -m bench alert_latency        python bench/alert_latency.py --runs 40 --rtt 0.015
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from typing import Any

import boto3
import orjson

from tests.support.builders import compress, envelope, log_event, subscription_event
from tests.support.fault_proxy import FaultProxy

BEFORE_PUBLISH = 5  # archive, partial, state GET (fresh window: 404) and PUT, previous window GET
TRAIL_RULE = r'"eventName"\s*:\s*"(?:StopLogging|DeleteTrail)"'


class RoundTripProxy(FaultProxy):
    """The fault proxy with a fixed delay before every forwarded request (one network round trip)."""

    rtt = 0.015

    def decide(self, op: str) -> Any:
        time.sleep(self.rtt)
        return super().decide(op)


def record(n: int, ts: int) -> str:
    return orjson.dumps(
        {
            "eventVersion": "1.08",
            "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::123456789012:user/ops-{n}"},
            "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts // 1000)),
            "eventSource": "cloudtrail.amazonaws.com",
            "eventName": "StopLogging",
            "sourceIPAddress": "198.51.100.23",
        }
    ).decode()


def batch(n: int) -> dict[str, Any]:
    """20 ordinary CloudTrail events and one StopLogging by a principal new to this run."""
    now = int(time.time() * 1000)
    events = [log_event(f'{{"eventName": "DescribeInstances", "n": {i}}}', now - 1000 + i) for i in range(20)]
    events.append(log_event(record(n, now), now))
    return subscription_event(
        compress(envelope(events, "/aws/cloudtrail", "123456789012_CloudTrail_us-east-1"))
    )


def provision() -> None:
    suffix = uuid.uuid4().hex[:8]
    bucket = f"alert-bench-{suffix}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    from stream_processor.config import default_config_json

    doc = orjson.loads(default_config_json(bucket))
    doc["SecurityRules"] = {"cloudtrail_stopped": TRAIL_RULE}
    doc["Alerts"] = {"Severity": {"cloudtrail_stopped": "critical"}}
    parameter = f"/bench/config-{suffix}"
    boto3.client("ssm").put_parameter(Name=parameter, Type="String", Value=orjson.dumps(doc).decode())
    topic = boto3.client("sns").create_topic(Name=f"alerts-{suffix}")["TopicArn"]
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName=f"inbox-{suffix}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    boto3.client("events").create_event_bus(Name=f"bus-{suffix}")
    os.environ.update(
        REPORT_BUCKET=bucket,
        CONFIG_PARAMETER=parameter,
        ALERT_TOPIC_ARN=topic,
        ALERT_EVENT_BUS=f"bus-{suffix}",
    )


def measure(runs: int, offset: int) -> tuple[list[float], list[float], list[float]]:
    """(entry → published ms, whole invocation ms, CPU ms of this process to the publish) per run
    (the publish runs on the alert sink's threads, so the process's CPU, not one thread's)."""
    from stream_processor.handler import current_ingest, lambda_handler

    sink = current_ingest().alerts
    assert sink is not None
    published: list[tuple[float, float]] = []
    sns = sink.channels.client("sns")
    sns.meta.events.register(
        "after-call.sns.Publish", lambda **_: published.append((time.perf_counter(), time.process_time()))
    )
    to_publish, whole, cpu = [], [], []
    for n in range(runs):
        event = batch(offset + n)
        started, started_cpu = time.perf_counter(), time.process_time()
        lambda_handler(event, None)
        ended = time.perf_counter()
        if not published or published[-1][0] < started:
            raise RuntimeError("the batch was not notified")
        to_publish.append((published[-1][0] - started) * 1000)
        cpu.append((published[-1][1] - started_cpu) * 1000)
        whole.append((ended - started) * 1000)
    return to_publish, whole, cpu


def wait_for(port: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"moto's server did not start on port {port}")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--rtt", type=float, default=0.015, help="added round trip per request (s)")
    args = parser.parse_args(argv or [])
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    from stream_processor.demo.emulator import free_port

    port = free_port()  # moto in its own process, as a real endpoint is: it must not share our GIL
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        with RoundTripProxy(f"http://127.0.0.1:{port}") as proxy:
            os.environ["AWS_ENDPOINT_URL"] = proxy.endpoint
            provision()
            with contextlib.redirect_stdout(io.StringIO()):  # EMF lines
                proxy.rtt = 0.0
                measure(3, 0)  # warm: clients, configuration, imports
                rows = []
                for label, rtt in (
                    (f"{args.rtt * 1000:.0f} ms round trips", args.rtt),
                    ("no added round trip", 0.0),
                ):
                    proxy.rtt = rtt
                    calls = sum(proxy.calls.values())
                    to_publish, whole, cpu = measure(args.runs, 1000 * (len(rows) + 1))
                    per_run = (sum(proxy.calls.values()) - calls) / args.runs
                    rows.append((label, to_publish, whole, cpu, per_run))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"alert latency, {args.runs} warm invocations each, a critical detection per batch (21 events)")
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time includes waiting for one)"
    )
    head = f"{'':24}{'entry→published p50':>21}{'p95':>10}{'invocation p50':>16}{'p95':>10}"
    print(f"{head}{'CPU to publish p50':>20}{'p95':>10}{'requests':>10}")
    for label, to_publish, whole, cpu, per_run in rows:
        print(
            f"{label:<24}{statistics.median(to_publish):>18.1f} ms{pct(to_publish, 95):>7.1f} ms"
            f"{statistics.median(whole):>13.1f} ms{pct(whole, 95):>7.1f} ms"
            f"{statistics.median(cpu):>17.1f} ms{pct(cpu, 95):>7.1f} ms{per_run:>10.1f}"
        )
    ratio = statistics.median(rows[0][1]) / statistics.median(rows[1][1])
    print(f"ratio entry→published p50, with / without round trips: {ratio:.2f}x")
    waited = (statistics.median(rows[0][1]) - statistics.median(rows[1][1])) / (args.rtt * 1000)
    print(
        f"round trips on the way to the publish: {waited:.1f} of wall time, of {BEFORE_PUBLISH} requests "
        "(archive, partial, state GET + PUT, previous window; in parallel where they can be) and SNS"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
