"""StreamProcessor under injected faults, one test per I/O step (archive put, partial put, config
read, EMF metrics write): transient faults succeed through retries; an outage makes the handler
raise, Lambda's 3 attempts end in the failure queue, and the re-drive leaves counts exact."""

from __future__ import annotations

import errno
import io
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import orjson
import pytest
from botocore.config import Config as BotoConfig

from stream_processor.config import load_config
from stream_processor.errors import ConfigError
from stream_processor.handler import lambda_handler
from stream_processor.ingest import Ingest
from stream_processor.sinks import S3Sink
from stream_processor.sinks.metrics import emf_values
from tests.support.aws import list_keys
from tests.support.fault_proxy import FaultProxy
from tests.support.generated_day import NEXT_DAY, Day, generate_day
from tests.support.lambda_delivery import (
    ATTEMPTS,
    Delivery,
    deliver_all,
    make_queue,
    proxied,
    queue_depth,
    redrive,
)
from tests.support.readers import assert_exact


@pytest.fixture(scope="module")
def day() -> Day:
    """Four batches over both log groups, the last crossing midnight (two partials), 380 events."""
    return generate_day(seed=3, events=0, sizes=[1, 120, 9, 250])


@pytest.fixture
def proxy(aws: dict[str, Any]) -> Iterator[FaultProxy]:
    with proxied(aws) as found:
        yield found


def _exact(aws: dict[str, Any], day: Day) -> None:
    for date in (day.date, NEXT_DAY):
        assert_exact(aws["s3"], aws["bucket"], day.truth, date)


def _transient(
    aws: dict[str, Any], day: Day, proxy: FaultProxy, op: str, times: int = 3, rate: float = 0.5
) -> Delivery:
    """`times` faults of mixed kinds spread over the calls (seeded): botocore's retries absorb them."""
    proxy.inject(op, "any", times=times, rate=rate)
    deliver = Delivery(lambda_handler)
    for event in day.lambda_events():
        assert deliver(event)
    assert proxy.count(op.split("/")[0], faults=True) == times
    assert deliver.attempts == [1] * len(day.payloads)  # botocore's retries absorbed every fault
    proxy.clear()
    _exact(aws, day)
    return deliver


def _outage(aws: dict[str, Any], day: Day, proxy: FaultProxy, op: str, kind: str = "error") -> Delivery:
    """Every call of `op` fails: 3 attempts per event, all to the failure queue; then the re-drive."""
    sqs, queue = make_queue()
    proxy.inject(op, kind)
    deliver = Delivery(lambda_handler, sqs, queue)
    assert deliver_all(deliver, day.lambda_events()) == [False] * len(day.payloads)
    assert deliver.attempts == [ATTEMPTS + 1] * len(day.payloads)
    assert queue_depth(sqs, queue) == len(day.payloads)
    proxy.clear()
    assert f"{len(day.payloads)} messages, {len(day.payloads)} deleted" in redrive(queue)
    assert queue_depth(sqs, queue) == 0
    _exact(aws, day)
    return deliver


def test_archive_put_transient_faults_succeed_through_retries(
    aws: dict[str, Any], day: Day, proxy: FaultProxy
) -> None:
    _transient(aws, day, proxy, "s3:PutObject:archive")


@pytest.mark.parametrize("kind", ["slowdown", "throttle", "error", "reset", "timeout"])
def test_archive_put_each_fault_kind_is_retried(aws: dict[str, Any], proxy: FaultProxy, kind: str) -> None:
    one = generate_day(seed=5, events=0, sizes=[25], cross_midnight=False)
    proxy.inject("s3:PutObject:archive", kind, times=1, stall=0.3)
    assert lambda_handler(one.lambda_events()[0], None)["processed"] == 1
    assert proxy.count("s3:PutObject:archive") == 2 and proxy.count("s3:PutObject:archive", faults=True) == 1
    assert_exact(aws["s3"], aws["bucket"], one.truth, one.date, report=False)


def test_archive_put_outage_raises_then_redrive_is_exact(
    aws: dict[str, Any], day: Day, proxy: FaultProxy
) -> None:
    deliver = _outage(aws, day, proxy, "s3:PutObject:archive")
    assert all("InternalError" in str(exc) for exc in deliver.failures)
    assert len(list_keys(aws["s3"], aws["bucket"], "archive/")) == len(day.payloads)


def test_partial_put_transient_faults_succeed_through_retries(
    aws: dict[str, Any], day: Day, proxy: FaultProxy
) -> None:
    _transient(aws, day, proxy, "s3:PutObject:aggregates")


def test_partial_put_outage_of_second_day_raises_then_redrive_is_exact(
    aws: dict[str, Any], day: Day, proxy: FaultProxy
) -> None:
    """The midnight batch writes its first day's partial, fails on the second: the retry overwrites."""
    sqs, queue = make_queue()
    proxy.inject(f"s3:PutObject:aggregates/dt={NEXT_DAY}/", "reset")
    deliver = Delivery(lambda_handler, sqs, queue)
    results = [deliver(event) for event in day.lambda_events()]
    assert results == [True] * (len(day.payloads) - 1) + [False]
    assert list_keys(aws["s3"], aws["bucket"], f"aggregates/dt={NEXT_DAY}/") == []
    proxy.clear()
    assert "1 messages, 1 deleted" in redrive(queue)
    _exact(aws, day)


def test_partial_put_outage_raises_then_redrive_is_exact(
    aws: dict[str, Any], day: Day, proxy: FaultProxy
) -> None:
    _outage(aws, day, proxy, "s3:PutObject:aggregates", kind="reset")


def test_config_read_transient_faults_succeed_through_retries(
    aws: dict[str, Any], day: Day, proxy: FaultProxy
) -> None:
    _transient(aws, day, proxy, "ssm:GetParameter", times=2, rate=0.0)  # one call, cached after


def test_config_read_outage_raises_then_redrive_is_exact(
    aws: dict[str, Any], day: Day, proxy: FaultProxy
) -> None:
    deliver = _outage(aws, day, proxy, "ssm:GetParameter")
    assert all(isinstance(exc, ConfigError) for exc in deliver.failures)


class BrokenStdout(io.TextIOBase):
    """stdout whose EMF writes fail (EPIPE) `times` times, or always; other writes pass through."""

    def __init__(self, inner: Any, times: int | None) -> None:
        self.inner, self.times, self.emf = inner, times, []

    def write(self, text: str) -> int:
        if '"_aws"' in text:
            if self.times is None or self.times > 0:
                self.times = None if self.times is None else self.times - 1
                raise OSError(errno.EPIPE, "Broken pipe")
            self.emf.append(orjson.loads(text))
        return self.inner.write(text)


def _emf_events(lines: list[dict[str, Any]]) -> int:
    return int(sum(value * count for line in lines for value, count in emf_values(line, "EventCount")))


def test_metrics_write_transient_fault_is_retried_by_lambda(
    aws: dict[str, Any], day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed EMF write raises, Lambda retries the whole batch: objects overwritten, metrics once."""
    stdout = BrokenStdout(sys.stdout, times=1)
    monkeypatch.setattr(sys, "stdout", stdout)
    deliver = Delivery(lambda_handler)
    for event in day.lambda_events():
        assert deliver(event)
    assert deliver.attempts == [2] + [1] * (len(day.payloads) - 1)
    assert _emf_events(stdout.emf) == day.events + day.truth.total(NEXT_DAY)
    monkeypatch.setattr(sys, "stdout", stdout.inner)
    _exact(aws, day)


def test_metrics_write_outage_raises_then_redrive_is_exact(
    aws: dict[str, Any], day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs, queue = make_queue()
    stdout = BrokenStdout(sys.stdout, times=None)
    monkeypatch.setattr(sys, "stdout", stdout)
    deliver = Delivery(lambda_handler, sqs, queue)
    assert not any(deliver(event) for event in day.lambda_events())
    assert all(isinstance(exc, OSError) for exc in deliver.failures)
    assert stdout.emf == []  # nothing reached the metrics while the writes failed
    monkeypatch.setattr(sys, "stdout", stdout.inner)
    assert f"{len(day.payloads)} messages, {len(day.payloads)} deleted" in redrive(queue)
    _exact(aws, day)


def test_archive_put_past_the_client_read_timeout_is_retried(aws: dict[str, Any], proxy: FaultProxy) -> None:
    """A stall longer than the client's read timeout: botocore gives up on it (ReadTimeoutError)
    and retries. The sink gets a client with the production retry settings and a 0.3 s timeout."""
    config = BotoConfig(retries={"max_attempts": 5, "mode": "adaptive"}, read_timeout=0.3, connect_timeout=1)
    client = boto3.client("s3", config=config)
    caught: list[str] = []
    client.meta.events.register(  # observe only: returns None, so botocore's own decision stands
        "needs-retry.s3.PutObject",
        lambda caught_exception=None, **_: caught.append(type(caught_exception).__name__),
    )
    ingest = Ingest(S3Sink(aws["bucket"], client), lambda: load_config().rules)
    one = generate_day(seed=6, events=0, sizes=[30], cross_midnight=False)
    proxy.inject("s3:PutObject:archive", "timeout", times=1, stall=1.0)
    outcome = ingest(one.lambda_events()[0]["awslogs"]["data"])
    assert outcome.status == "processed" and outcome.events == 30
    assert proxy.count("s3:PutObject:archive") == 2
    assert "ReadTimeoutError" in caught  # the archive and bundle puts run concurrently: either may be first
    assert_exact(aws["s3"], aws["bucket"], one.truth, one.date, report=False)
