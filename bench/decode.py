"""Events/s of (a) the decode floor, (b) Powertools decoding, (c) our whole pipeline, on the same batches.

(a) base64 + stdlib zlib gunzip + orjson of the envelope + orjson of every JSON message;
(b) Powertools `CloudWatchLogsEvent(event).parse_logs_data()` reading every message (decode only);
(c) `process_data` (decode, parse, classify, redact, aggregate) plus `aggregate.encode` of each partial.

Targets (issue 2): (c) ≥ 0.7 × (a) and (c) ≥ 1.0 × (b). Medians over repeats; the batches are
generated once (seeded) and every contender sees exactly the same payloads in the same run.

    python -m bench decode            # default: 5 repeats
    BENCH_REPEATS=9 python -m bench decode
"""

from __future__ import annotations

import base64
import gc
import os
import random
import statistics
import time
import zlib
from collections.abc import Callable
from typing import Any

import orjson
from aws_lambda_powertools.utilities.data_classes import CloudWatchLogsEvent

from bench.samples import subscription_batch
from stream_processor import aggregate
from stream_processor.detect import DEFAULT_DETECTOR
from stream_processor.parse import parse_message
from stream_processor.pipeline import decode_data, process_data

BATCH_SIZES = (1, 10, 100, 1000, 5000, 10000)
START_MS = 1_764_115_200_000  # 2025-11-26T00:00:00Z
USERS = ("alice", "bob", "carol", "deploy-bot", "root", "svc-backup", "mallory")
ACTIONS = ("GetObject", "PutObject", "login", "logout", "DescribeInstances", "AttachRolePolicy", "sync")
PATHS = ("/api/v1/orders", "/api/v1/users/42", "/healthz", "/admin/settings", "/login")


def _json_line(rng: random.Random) -> str:
    level = rng.choices(("INFO", "DEBUG", "WARN", "ERROR"), (70, 10, 12, 8))[0]
    doc: dict[str, Any] = {
        "timestamp": "2025-11-26T12:00:00.000Z",
        "level": level,
        "service": "orders",
        "message": f"request {rng.choice(PATHS)} handled" if level != "ERROR" else "payment failed: timeout",
        "latency_ms": round(rng.lognormvariate(3.5, 1.0), 2),
        "user": rng.choice(USERS),
        "action": rng.choice(ACTIONS),
        "status": rng.choice((200, 200, 200, 201, 204, 400, 401, 403, 404, 500)),
        "request_id": f"{rng.getrandbits(128):032x}",
    }
    if rng.random() < 0.05:
        doc["headers"] = {"Authorization": f"Bearer {rng.getrandbits(160):040x}"}
    return orjson.dumps(doc).decode()


def _cloudtrail_line(rng: random.Random) -> str:
    return orjson.dumps(
        {
            "eventVersion": "1.08",
            "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::123456789012:user/{rng.choice(USERS)}"},
            "eventTime": "2025-11-26T12:00:00Z",
            "eventSource": "iam.amazonaws.com",
            "eventName": rng.choice(("AttachUserPolicy", "CreateAccessKey", "ListUsers", "DeleteBucket")),
            "awsRegion": "eu-west-1",
            "sourceIPAddress": f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
            "errorCode": rng.choice((None, None, None, "AccessDenied")),
        }
    ).decode()


def _text_line(rng: random.Random) -> str:
    ip = f"{rng.randrange(1, 255)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
    pid = rng.randrange(1000, 60000)
    host = "Nov 26 12:00:01 ip-10-0-0-1"
    request = f'"GET {rng.choice(PATHS)} HTTP/1.1"'
    return rng.choice(
        (
            f"{host} sshd[{pid}]: Failed password for invalid user admin from {ip} port 22 ssh2",
            f"{host} sshd[{pid}]: Accepted publickey for ec2-user from {ip} port 50022 ssh2",
            f"{host} sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/systemctl reload",
            f'{ip} - - [26/Nov/2025:12:00:03 +0000] {request} 200 {pid} "-" "curl/8"',
            f"[INFO] worker {pid} picked job {rng.getrandbits(32):08x} from queue",
            f"[ERROR] connection to db-{pid % 7}.internal:5432 refused after 3 retries",
            f"WARNING: disk /var/lib/docker is {rng.randrange(80, 99)}% full",
            f"START RequestId: {rng.getrandbits(128):032x} Version: $LATEST",
            f"REPORT RequestId: {rng.getrandbits(128):032x}\tDuration: {rng.uniform(1, 900):.2f} ms\t"
            "Billed Duration: 100 ms\tMemory Size: 512 MB\tMax Memory Used: 87 MB",
            f'level=info msg="cache refreshed" duration_ms={rng.randrange(1, 400)} user={rng.choice(USERS)}',
        )
    )


def _multiline(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return (
            "Traceback (most recent call last):\n"
            '  File "/var/task/app.py", line 42, in handler\n'
            "    order = fetch(order_id)\n"
            '  File "/var/task/db.py", line 7, in fetch\n'
            "    raise KeyError(order_id)\n"
            f"KeyError: 'order-{rng.randrange(10**6)}'"
        )
    return (
        f"java.lang.IllegalStateException: queue {rng.randrange(100)} closed\n"
        "\tat com.example.Worker.run(Worker.java:88)\n"
        "\tat java.base/java.lang.Thread.run(Thread.java:833)"
    )


def _message(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return _json_line(rng)
    if kind < 0.55:
        return _cloudtrail_line(rng)
    if kind < 0.93:
        return _text_line(rng)
    return _multiline(rng)


def make_batch(rng: random.Random, size: int, start_ms: int) -> dict[str, Any]:
    """A Lambda subscription event holding one realistic batch of `size` events."""
    return subscription_batch([_message(rng) for _ in range(size)], start_ms)


def make_batches(seed: int = 2) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    batches = []
    for size in BATCH_SIZES:
        for _ in range(max(1, 10_000 // size)):
            batches.append(make_batch(rng, size, START_MS + rng.randrange(20 * 3_600_000)))
    return batches


def floor(event: dict[str, Any]) -> None:
    """(a) base64 + zlib gunzip + orjson of the envelope and of every JSON message."""
    text = zlib.decompress(base64.b64decode(event["awslogs"]["data"]), 31)
    for log_event in orjson.loads(text)["logEvents"]:
        message = log_event["message"]
        if message[:1] == "{":
            orjson.loads(message)


def powertools(event: dict[str, Any]) -> None:
    """(b) Powertools decodes and we read every message."""
    for log_event in CloudWatchLogsEvent(event).parse_logs_data().log_events:
        _ = log_event.message


def ours(event: dict[str, Any]) -> None:
    """(c) the whole pipeline, down to the bytes of each partial."""
    for partial in process_data(event["awslogs"]["data"]):
        aggregate.encode(partial)


def decoded(event: dict[str, Any]) -> None:
    """Stage 1 of (c): our decode only (base64, isal inflate, envelope checks, batch id)."""
    decode_data(event["awslogs"]["data"])


def parsed(event: dict[str, Any]) -> None:
    """Stage 2 of (c): decode, then parse every message."""
    for _ in map(parse_message, [e["message"] for e in decode_data(event["awslogs"]["data"]).events]):
        pass


def scanned(event: dict[str, Any]) -> None:
    """Stage 3 of (c): decode, parse, and the detection rules' scan of the batch."""
    messages = [e["message"] for e in decode_data(event["awslogs"]["data"]).events]
    parsed = list(map(parse_message, messages))
    DEFAULT_DETECTOR.scan(messages, [p.status for p in parsed])


def _time(run: Callable[[dict[str, Any]], None], batches: list[dict[str, Any]]) -> float:
    gc.collect()
    started = time.perf_counter()
    for event in batches:
        run(event)
    return time.perf_counter() - started


def main() -> None:
    repeats = int(os.environ.get("BENCH_REPEATS", "5"))
    batches = make_batches()
    events = sum(_count(b) for b in batches)
    contenders: dict[str, Callable[[dict[str, Any]], None]] = {
        "a floor": floor,
        "b powertools": powertools,
        "c ours": ours,
        "  c1 decode": decoded,
        "  c2 +parse": parsed,
        "  c3 +rules": scanned,
    }
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():  # interleaved, so drift hits every contender alike
            samples[name].append(events / _time(run, batches))
    rates = {name: statistics.median(values) for name, values in samples.items()}
    print(f"{len(batches)} batches, {events} events, sizes {BATCH_SIZES}, median of {repeats} repeats")
    for name, rate in rates.items():
        spread = f"{min(samples[name]):,.0f}..{max(samples[name]):,.0f}"
        print(f"  {name:<13} {rate:>12,.0f} events/s   (range {spread})")
    print(f"  (c)/(a) = {rates['c ours'] / rates['a floor']:.2f}   target >= 0.70")
    print(f"  (c)/(b) = {rates['c ours'] / rates['b powertools']:.2f}   target >= 1.00")
    floor_us = 1e6 / rates["a floor"]
    print(f"  where (c)'s time goes, per event (floor = {floor_us:.2f} us):")
    previous = 0.0
    for name in ("  c1 decode", "  c2 +parse", "  c3 +rules", "c ours"):
        spent = 1e6 / rates[name]
        label = "aggregate+encode" if name == "c ours" else name.split()[-1].lstrip("+")
        print(f"    {label:<17} {spent - previous:6.2f} us  ({(spent - previous) / floor_us:4.2f} x floor)")
        previous = spent


def _count(event: dict[str, Any]) -> int:
    text = zlib.decompress(base64.b64decode(event["awslogs"]["data"]), 31)
    return len(orjson.loads(text)["logEvents"])


if __name__ == "__main__":
    main()
