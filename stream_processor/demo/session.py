"""The demo's run: local AWS up, stack created, logs delivered hour by hour, alarms, reports.

Log events go in with PutLogEvents; moto's subscription delivery turns every call into a Kinesis
record; the records are read back shard by shard and handed to the real StreamProcessor handler
in Kinesis-shaped events; the EMF metrics it prints drive the alarm evaluation; then the real
DailyReport handler runs for every day that received events.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

from ..errors import LogReviewError
from .agent import put_batches
from .alerts import HOUR_MS, Alert, AlertWatch, emf_objects
from .emulator import KinesisReader, LocalAws, LogsWriter, Stack, provision
from .show import Console, Row

T = TypeVar("T")
P = ParamSpec("P")
Event = dict[str, Any]
Streams = Mapping[tuple[str, str], list[Event]]

DAY_MS = 24 * HOUR_MS
DAILY_ROWS_AFTER = 36 * HOUR_MS  # a longer span prints one progress line per day
FLUSH_MS = 20 * 60_000  # the agent flushes every 5 s; at demo speed one flush holds 20 min of log time
NOISY_LOGGERS = ("werkzeug", "moto", "botocore", "boto3", "urllib3", "s3transfer", "aws_lambda_powertools")
QUIET_LEVEL = logging.ERROR


@dataclass(frozen=True, slots=True)
class Call:
    """One PutLogEvents call."""

    hour_ms: int
    group: str
    stream: str
    events: list[Event]


@dataclass(slots=True)
class Totals:
    """What went through the pipeline."""

    calls: int = 0
    records: int = 0
    invocations: int = 0
    events: Counter[str] = field(default_factory=Counter)
    processed: int = 0
    processing_s: float = 0.0
    emf_objects: int = 0
    alerts: list[Alert] = field(default_factory=list)
    s3_requests: Counter[str] = field(default_factory=Counter)  # the StreamProcessor's, by kind


def step(what: str, action: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one step; any failure becomes one clear line (LogReviewError naming the step)."""
    try:
        return action(*args, **kwargs)
    except LogReviewError:
        raise
    except Exception as exc:
        raise LogReviewError(f"{what} failed: {type(exc).__name__}: {exc}") from None


@contextlib.contextmanager
def quiet(service_loggers: tuple[str, ...] = ("logreview",)) -> Iterator[None]:
    """No dependency warnings or log chatter on the terminal; levels are put back afterwards."""
    names = (*NOISY_LOGGERS, *service_loggers)
    levels = {name: logging.getLogger(name).level for name in names}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in names:
                logging.getLogger(name).setLevel(QUIET_LEVEL if name in NOISY_LOGGERS else logging.WARNING)
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def plan_calls(streams: Streams, flush_ms: int = FLUSH_MS) -> list[Call]:
    """Every stream's PutLogEvents calls, in time order across streams."""
    calls = [
        Call(batch[0]["timestamp"] // HOUR_MS * HOUR_MS, group, stream, batch)
        for (group, stream), events in streams.items()
        for batch in put_batches(events, flush_ms)
    ]
    calls.sort(key=lambda call: (call.events[0]["timestamp"], call.group, call.stream))
    return calls


@dataclass(slots=True)
class Pipeline:
    """The running system: writes logs, runs the StreamProcessor on what Kinesis delivers, and
    feeds the EMF metrics it prints to the alarm evaluation."""

    stack: Stack
    watch: AlertWatch
    lambda_log: IO[str]
    totals: Totals = field(default_factory=Totals)
    _writer: LogsWriter = field(default_factory=LogsWriter)
    _reader: KinesisReader | None = None

    def hour(self, hour_ms: int, calls: list[Call]) -> tuple[int, float]:
        """Send one hour's calls and process everything delivered: (events processed, seconds)."""
        for call in calls:
            step("PutLogEvents", self._writer.put, call.group, call.stream, call.events)
            self.totals.calls += 1
            self.totals.events[call.group] += len(call.events)
        return self._process(hour_ms)

    @property
    def rejected(self) -> int:
        return self._writer.rejected

    def _process(self, hour_ms: int) -> tuple[int, float]:
        from ..handler import current_ingest, lambda_handler

        if self._reader is None:
            self._reader = step("reading the Kinesis stream", KinesisReader, self.stack)
            hooks = current_ingest().sink.client.meta.events
            hooks.register("provide-client-params.s3", self._count_s3_request)
        reader = self._reader
        events, seconds = 0, 0.0
        for event in step("GetRecords", list, reader.drain()):
            captured = io.StringIO()
            started = time.perf_counter()
            with contextlib.redirect_stdout(captured):
                result = step("the StreamProcessor", lambda_handler, event, None)
            seconds += time.perf_counter() - started
            output = captured.getvalue()
            self.lambda_log.write(output)
            emf = emf_objects(output.splitlines())
            self.watch.add(hour_ms, emf)
            self.totals.emf_objects += len(emf)
            self.totals.invocations += 1
            self.totals.records += len(event["Records"])
            events += result["events"]
        self.totals.processed += events
        self.totals.processing_s += seconds
        return events, seconds

    def _count_s3_request(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        """botocore hook: one S3 API call by the StreamProcessor (`PutObject archive/`, ...)."""
        prefix = str(params.get("Key", "")).split("/", 1)[0]
        with _COUNT_LOCK:  # the puts of one invocation run on several threads
            self.totals.s3_requests[f"{model.name} {prefix}/" if prefix else model.name] += 1


_COUNT_LOCK = threading.Lock()


def reported_days(bucket: str) -> list[str]:
    """The days that have partial aggregates (`aggregates/dt=DAY/`)."""
    from ..sinks.s3 import s3_client

    pages = (
        s3_client()
        .get_paginator("list_objects_v2")
        .paginate(Bucket=bucket, Prefix="aggregates/", Delimiter="/")
    )
    return sorted(
        prefix["Prefix"].removeprefix("aggregates/dt=").rstrip("/")
        for page in pages
        for prefix in page.get("CommonPrefixes", [])
    )


def hours_of(calls: list[Call], every_hour: bool) -> list[int]:
    """The hours to step through: all from first to last (story mode) or only those with calls."""
    if not calls:
        return []
    if not every_hour:
        return sorted({call.hour_ms for call in calls})
    return list(range(calls[0].hour_ms, calls[-1].hour_ms + HOUR_MS, HOUR_MS))


def deliver(pipeline: Pipeline, calls: list[Call], console: Console, every_hour: bool) -> None:
    """The live part: hour by hour, send, process, evaluate the alarms, print progress (one line
    per hour, or per day when the logs span more than DAILY_ROWS_AFTER)."""
    by_hour: dict[int, list[Call]] = {}
    for call in calls:
        by_hour.setdefault(call.hour_ms, []).append(call)
    hours = hours_of(calls, every_hour)
    daily = bool(hours) and hours[-1] - hours[0] >= DAILY_ROWS_AFTER
    console.progress_header(pipeline.stack.log_groups, daily)
    row: Row | None = None
    for index, hour in enumerate(hours):
        if row is None:
            row = Row(hour // DAY_MS * DAY_MS if daily else hour)
        hour_calls = by_hour.get(hour, [])
        records_before = pipeline.totals.records
        events, seconds = pipeline.hour(hour, hour_calls)
        alerts = pipeline.watch.close(hour)
        pipeline.totals.alerts.extend(alerts)
        row.calls += len(hour_calls)
        row.records += pipeline.totals.records - records_before
        for call in hour_calls:
            row.sent[call.group] += len(call.events)
        row.processed += events
        row.seconds += seconds
        row.alerts.extend(alerts)
        following = hours[index + 1] if index + 1 < len(hours) else None
        if not daily or following is None or following // DAY_MS != hour // DAY_MS:
            console.progress_row(row, daily)
            row = None


def start(aws: LocalAws) -> str:
    return step("starting the local AWS endpoint (moto)", aws.start)


def build_stack(groups: tuple[str, ...], retention_days: int) -> Stack:
    return step("creating the stack", provision, groups, retention_days)


def open_log(output: Path, name: str) -> IO[str]:
    output.mkdir(parents=True, exist_ok=True)
    return (output / name).open("w", encoding="utf-8")
