"""Alert state requests per invocation are bounded by a small constant plus the notifications
sent, not by the number of keys (issue 26): 5,000 distinct source addresses in one invocation and
across invocations, counted by the proxy in front of moto's server; and the remembered ETag saves
the GET when a container writes alone, never wastes a PUT when it does not."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from stream_processor.handler import _rules, lambda_handler
from stream_processor.ingest import Ingest
from stream_processor.sinks import S3Sink
from stream_processor.sinks.alert_store import AlertStore
from stream_processor.sinks.alerts import AlertSink
from tests.integration.alerts.test_alerts import BRUTE_FORCE_PAGES, NOW_MS, configure
from tests.support.alerting import AlertPlumbing, alert_entries
from tests.support.builders import compress, envelope, kinesis_event, log_event
from tests.support.fault_proxy import FaultProxy
from tests.support.lambda_delivery import proxied

START = NOW_MS + 120_000  # every event in one 5-minute threshold interval


def address(i: int) -> str:
    return f"198.{18 + i // 65_536 % 2}.{i // 256 % 256}.{i % 256}"


def failures(addresses: range, batch: int, per_batch: int = 500) -> list[bytes]:
    """Batches of one sshd failure per address (each batch its own stream)."""
    events = [
        log_event(
            f"Dec 10 06:55:46 bastion sshd[{i}]: Failed password for invalid user u{i % 7} "
            f"from {address(i)} port {40000 + i % 20000} ssh2",
            START + i % 200_000,
            f"{batch}-{i}",
        )
        for i in addresses
    ]
    return [
        compress(envelope(events[at : at + per_batch], log_stream=f"i-{batch}-{at}"))
        for at in range(0, len(events), per_batch)
    ]


@pytest.fixture
def proxy(aws: dict[str, Any], plumbing: AlertPlumbing) -> Iterator[FaultProxy]:
    with proxied(aws) as found:
        yield found


def alert_requests(proxy: FaultProxy) -> dict[str, int]:
    state = ("s3:GetObject:alerts", "s3:PutObject:alerts")
    return {op: n for op, n in proxy.calls.items() if op.startswith(state)}


def test_five_thousand_addresses_cost_a_constant_and_the_notifications(
    aws: dict[str, Any], plumbing: AlertPlumbing, proxy: FaultProxy
) -> None:
    configure(aws, Alerts=BRUTE_FORCE_PAGES)  # each brute force pages (the default waits for a login)
    lambda_handler(kinesis_event(failures(range(5000), 0)), None)
    first = alert_requests(proxy)
    assert first.get("s3:PutObject:alerts", 0) == 1 and first.get("s3:GetObject:alerts", 0) <= 1
    assert plumbing.notifications(wait=0.5) == []
    # 19 more failures from each of 50 of those addresses, in 19 batches of one invocation: 50 cross 20
    proxy.calls.clear()
    more = [raw for b in range(1, 20) for raw in failures(range(50), b)]
    lambda_handler(kinesis_event(more), None)
    second = alert_requests(proxy)
    assert second.get("s3:PutObject:alerts", 0) == 2  # the fold, then the 50 marks settled at once
    assert second.get("s3:GetObject:alerts", 0) <= 1  # the previous window, for the repeats line
    assert proxy.calls["sns:Publish"] == 50
    assert len(plumbing.notifications(wait=2)) == 50
    entries = alert_entries(aws["s3"], aws["bucket"])
    assert len(entries) == 5000
    assert sorted(e["n"] for e in entries if e.get("notified")) == [20] * 50
    assert {e["n"] for e in entries if not e.get("notified")} == {1}
    # the same invocation redelivered: counted once, nothing published again
    proxy.calls.clear()
    lambda_handler(kinesis_event(more), None)
    assert proxy.calls["sns:Publish"] == 0 and alert_requests(proxy).get("s3:PutObject:alerts", 0) == 0


def test_a_container_writing_alone_skips_the_get_and_after_another_writer_reads_until_alone_again(
    aws: dict[str, Any], proxy: FaultProxy
) -> None:
    def container() -> AlertStore:
        return AlertStore(S3Sink(aws["bucket"], boto3.client("s3")))

    a, b = container(), container()
    key = "alerts/dt=2026-01-01/0000-3600s.json"

    def bump(doc: dict[str, Any] | None) -> dict[str, Any]:
        return {"n": (doc or {"n": 0})["n"] + 1}

    a.update(key, bump)  # GET (absent), create
    a.update(key, bump)  # alone: PUT only
    assert (a.requests.gets, a.requests.puts) == (1, 2)
    b.update(key, bump)  # another container: GET, PUT
    a.update(key, bump)  # its stale ETag: 412, then GET and PUT; no longer trusted
    assert (a.requests.gets, a.requests.puts, a.requests.conflicts) == (2, 4, 1)
    a.update(key, bump)  # a conditional GET (304: nobody wrote since), PUT; trusted again
    assert (a.requests.gets, a.requests.puts, a.requests.conflicts) == (3, 5, 1)
    a.update(key, bump)  # PUT only
    assert (a.requests.gets, a.requests.puts) == (3, 6)
    b.update(key, bump)  # b's conditional GET: changed (200), PUT
    assert (b.requests.gets, b.requests.puts, b.requests.conflicts) == (2, 2, 0)
    document, _ = b.read(key)
    assert document == {"n": 7}


def test_containers_writing_one_document_at_once_notify_each_attacker_once_with_exact_counts(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    """Four containers (each its own clients and remembered ETags) take 48 Kinesis-style
    invocations at once, a third of them redeliveries of another's: 6 attackers of 30 failures
    each cross the threshold once; 360 one-off addresses never do; every count is exact."""
    attackers = [f"203.0.113.{i}" for i in range(6)]
    configure(aws, Alerts=BRUTE_FORCE_PAGES)

    def batch(n: int) -> bytes:
        lines = [
            f"sshd[{n}]: Failed password for invalid user admin from {attackers[(n + k) % 6]} port 1 ssh2"
            for k in range(5)
        ] + [
            f"sshd[{n}]: Failed password for invalid user x from 198.51.{n}.{k} port 1 ssh2"
            for k in range(10)
        ]
        events = [log_event(line, START + n * 1000 + i, f"{n}-{i}") for i, line in enumerate(lines)]
        return compress(envelope(events, log_stream=f"i-{n}"))

    batches = [batch(n) for n in range(36)]  # 36 x 5 = 180 attacker events: 30 per attacker
    invocations = [batches[i : i + 3] for i in range(0, 36, 3)]
    invocations += [invocations[i] for i in (0, 3, 5, 7, 11, 2)] * 2 + invocations[:12]  # redeliveries

    def container() -> Ingest:
        store = S3Sink(aws["bucket"], boto3.client("s3"))
        return Ingest(store, _rules, alerts=AlertSink.from_environment(store))

    ingests = [container() for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: ingests[i % 4].invocation((raw, "kinesis") for raw in invocations[i]),
                      range(len(invocations))))  # fmt: skip
    subjects = sorted(m["Subject"] for m in plumbing.notifications(wait=2))
    assert subjects == sorted(f"[HIGH] auth_failure in /admin/logs: {a}" for a in attackers)
    entries = alert_entries(aws["s3"], aws["bucket"])
    counts = sorted(e["n"] for e in entries)
    assert counts == [1] * 360 + [30] * 6
    assert len(entries[0]["batches"]) == 36
