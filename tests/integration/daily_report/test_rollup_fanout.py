"""The daily job's fan-out over real Lambda calls (moto's server): one asynchronous invoke per hour
to the rollup function (which refreshes that hour's rollup), then the merge of the 24 rollups; the
daily job itself lists nothing and GETs 24 objects.

moto accepts `Invoke` with `InvocationType=Event` (docker-less Lambda backend) but runs nothing, so
a thread in the test plays the Lambda service: it takes each invoke's payload, as the proxy saw it
on the wire, and runs `daily_report.rollup.lambda_handler` with it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import orjson
import pytest

from daily_report.job import from_environment
from daily_report.rollup import lambda_handler as rollup_handler
from stream_processor.config import load_config
from tests.support.aws import list_keys
from tests.support.fault_proxy import FaultProxy
from tests.support.generated_day import Day, generate_day
from tests.support.lambda_delivery import proxied
from tests.support.readers import read_report, report_counts
from tests.support.rollup_kit import content, direct_report, moto_function, stream

DATE = "2025-11-26"
INVOKE = "lambda:POST"  # how the proxy names POST /2015-03-31/functions/NAME/invocations


@pytest.fixture(scope="module")
def day() -> Day:
    return generate_day(seed=33, events=0, sizes=[4, 90, 1, 30, 250, 12, 3, 60, 7, 140], cross_midnight=False)


@pytest.fixture
def rollup_function(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    """A rollup function registered in moto (docker-less backend), named in ROLLUP_FUNCTION."""
    name = f"rollup-{uuid.uuid4().hex[:8]}"
    moto_function(aws["endpoint"], name, "daily_report.rollup.lambda_handler")
    monkeypatch.setenv("ROLLUP_FUNCTION", name)
    return name


class LambdaService:
    """Runs the rollup handler for every async invoke the proxy saw (as Lambda would)."""

    def __init__(self, proxy: FaultProxy, execute: bool = True) -> None:
        self.invokes = proxy.watch(INVOKE)
        self.execute = execute
        self.done = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.05):
            while self.execute and self.done < len(self.invokes):
                rollup_handler(orjson.loads(self.invokes[self.done]), None)
                self.done += 1

    def __enter__(self) -> LambdaService:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


@pytest.fixture
def service(aws: dict[str, Any], rollup_function: str) -> Iterator[tuple[FaultProxy, LambdaService]]:
    with proxied(aws) as proxy, LambdaService(proxy) as lambda_service:
        yield proxy, lambda_service


def _run_daily(wait_seconds: float = 60.0) -> None:
    job = from_environment(load_config(), notify=False)
    assert job.fanout is not None
    job.fanout.poll_seconds = 0.1
    job.fanout.wait_seconds = wait_seconds
    job.run(date.fromisoformat(DATE), late_data=False)


def test_fan_out_refreshes_every_hour_then_merges_24_objects(
    aws: dict[str, Any], day: Day, service: tuple[FaultProxy, LambdaService]
) -> None:
    proxy, lambda_service = service
    events = day.lambda_events()
    stream(aws, events[:-3])
    _run_daily()
    payloads = [orjson.loads(body) for body in lambda_service.invokes]
    assert sorted(p["hour"] for p in payloads) == [f"{DATE}T{hour:02d}" for hour in range(24)]
    assert len({p["token"] for p in payloads}) == 1 and lambda_service.done == 24
    assert report_counts(read_report(aws["s3"], aws["bucket"], DATE)) != day.truth.days[DATE]  # 3 to come
    stream(aws, events[-3:])  # late partials, after their hours' rollups
    before = {
        op: proxy.count(op) for op in ("s3:GetObject:aggregates", "s3:GetObject:rollups", "s3:ListObjectsV2")
    }
    _run_daily()
    assert lambda_service.done == 48
    # the 24 refreshes read their rollup and list their hour; only they fetch the 3 late partials
    assert proxy.count("s3:GetObject:aggregates") - before["s3:GetObject:aggregates"] == 3
    # one listing per hour (in the refreshes) + one of the day's hour-less (schema-1) partials
    assert proxy.count("s3:ListObjectsV2") - before["s3:ListObjectsV2"] == 24 + 1
    assert (
        proxy.count("s3:GetObject:rollups") - before["s3:GetObject:rollups"] == 24 + 24
    )  # refreshes + daily
    rolled = read_report(aws["s3"], aws["bucket"], DATE)
    assert report_counts(rolled) == day.truth.days[DATE]
    direct = direct_report(aws, DATE)
    assert content(direct) == content(rolled)


def test_rollups_that_never_come_fall_back_to_listing(
    aws: dict[str, Any], day: Day, service: tuple[FaultProxy, LambdaService]
) -> None:
    _, lambda_service = service
    lambda_service.execute = False  # the invokes are accepted but never run (e.g. throttled)
    stream(aws, day.lambda_events())
    _run_daily(wait_seconds=0.5)
    assert len(lambda_service.invokes) == 24 and list_keys(aws["s3"], aws["bucket"], "rollups/") == []
    rolled = read_report(aws["s3"], aws["bucket"], DATE)
    assert report_counts(rolled) == day.truth.days[DATE]
