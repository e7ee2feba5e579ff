"""Direct mode's limit: many Lambda containers updating one alert window document at once.

Each thread stands for one warm container (its own Ingest, S3 client and remembered ETags) and
invokes the real handler path on security-heavy Direct batches back to back, against moto's
server behind the loopback proxy adding a round trip to every request. Printed per number of
containers: batches per second through the one document, conditional-write conflicts per batch,
batches that gave up (AlertError after MAX_ATTEMPTS conflicts; Lambda would retry them) and the
wall time per batch. The document serialises its writers, so the rate levels off: that level is
the fleet size past which Direct mode needs Kinesis mode (docs/alerts.md).

    python -m bench.cost_contention [--rtt 0.015] [--containers 1,2,4,8,16] [--seconds 20]
    python -m bench.cost_contention --document     the size of an hour's document, and its CPU
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field

from bench.cost import SECURITY_FLEET, endpoint, payloads


@dataclass
class Tally:
    batches: int = 0
    gave_up: int = 0
    conflicts: int = 0
    puts: int = 0
    wall_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def container(raws: list[bytes], until: float, tally: Tally) -> None:
    """One warm container: its own Ingest (S3 client, alert state cache), batches back to back."""
    from stream_processor.handler import _rules
    from stream_processor.ingest import Ingest
    from stream_processor.sinks import S3Sink
    from stream_processor.sinks.alert_store import AlertError
    from stream_processor.sinks.alerts import AlertSink

    store = S3Sink(os.environ["REPORT_BUCKET"])
    ingest = Ingest(store, _rules, alerts=AlertSink.from_environment(store))
    assert ingest.alerts is not None
    for raw in raws:
        if time.monotonic() > until:
            break
        started = time.perf_counter()
        try:
            ingest(base64.b64encode(raw).decode())
            gave_up = 0
        except AlertError:
            gave_up = 1
        with tally.lock:
            tally.batches += 1
            tally.gave_up += gave_up
            tally.wall_ms.append((time.perf_counter() - started) * 1000)
    requests = ingest.alerts.state.requests
    with tally.lock:
        tally.conflicts += requests.conflicts
        tally.puts += requests.puts


def document_size() -> str:
    """An hour of the security-heavy fleet's alert state (40 streams x 240 flushes = 9,600
    batches, 1.8 new source addresses each), folded as Kinesis invocations of 160 batches: the
    document's size and what reading, writing and folding it cost in CPU."""
    import orjson

    from stream_processor.alerting.detections import Detection
    from stream_processor.alerting.policy import rule_policy
    from stream_processor.alerting.state import fold

    window = 1_764_158_400_000
    policy = rule_policy("ssh_failed_login")
    found = []
    for batch in range(9600):
        for _ in range(1 if batch % 5 == 0 else 2):
            n = len(found)
            source = f"10.{n // 65536}.{n // 256 % 256}.{n % 256}"
            stamp = window + n % 3_600_000
            found.append(Detection(
                policy, f"source:{source}", window, 3600, "/admin/logs", "i-1", "123456789012", None, "sshd",
                source, 1, stamp, stamp, "Failed password", f"{batch:016x}" * 2, "archive/x.gz", str(n),
                {str(stamp // 300_000 * 300_000): 1},
            ))  # fmt: skip
    document = None
    for at in range(0, len(found), 320):
        document = fold(document, found[at : at + 320], window, f"t{at}").document or document
    assert document is not None
    body = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)

    def cpu_ms(work: object, times: int = 10) -> float:
        started = time.process_time()
        for _ in range(times):
            work()  # type: ignore[operator]
        return (time.process_time() - started) / times * 1000

    keys = sum(len(entries) for entries in document["keys"].values())
    parse = cpu_ms(lambda: orjson.loads(body))
    write = cpu_ms(lambda: orjson.dumps(document, option=orjson.OPT_SORT_KEYS))
    again = cpu_ms(lambda: fold(document, found[-320:], window + 1, "x"))
    return (
        f"an hour's document: {keys:,} keys, {len(document['batches']):,} batch ids, {len(body):,} bytes; "
        f"CPU: parse {parse:.1f} ms, serialise {write:.1f} ms, fold 320 detections {again:.1f} ms "
        f"(load average {os.getloadavg()[0]:.1f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rtt", type=float, default=0.015)
    parser.add_argument("--containers", default="1,2,4,8,16")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--document", action="store_true", help="only the size of an hour's document")
    args = parser.parse_args(argv)
    if args.document:
        print(document_size())
        return 0
    fleet = SECURITY_FLEET
    print(
        f"one alert window document, security-heavy Direct batches ({fleet.events_per_batch} events, "
        f"{fleet.auth_failures:.0%} sshd failures from random addresses); round trip {args.rtt * 1000:g} ms; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print("containers  batches/s  conflicts/batch  gave up  wall p50 ms  p95 ms")
    with endpoint(args.rtt, "logreview-contention"), contextlib.redirect_stdout(io.StringIO()):
        for seed, count in enumerate(int(n) for n in args.containers.split(",")):
            batches = [
                payloads(400, fleet.events_per_batch, fleet.message_bytes, 100 * seed + i, fleet)
                for i in range(count)
            ]
            tally = Tally()
            until = time.monotonic() + args.seconds
            started = time.perf_counter()
            threads = [threading.Thread(target=container, args=(raws, until, tally)) for raws in batches]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            walls = sorted(tally.wall_ms)
            conflicts = tally.conflicts / max(1, tally.batches)
            line = (
                f"{count:>10}  {tally.batches / elapsed:9.1f}  {conflicts:15.2f}  {tally.gave_up:7}"
                f"  {statistics.median(walls):11.0f}  {walls[int(len(walls) * 0.95)]:6.0f}"
            )
            print(line, file=sys.__stdout__, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
