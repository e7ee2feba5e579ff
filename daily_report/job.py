"""One report run: merge a day's partials, render, store, and feed the alarms; then late data.

The run wires the source (partials, read by `source.reader`, merged by `source.hourly.merge_day`
after the fan-out refreshed the rollups), the pure transforms (report, revision, renderers) and the
sinks (report objects, metrics, SNS). Both the Lambda handler and the CLI call it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from stream_processor.config import Config
from stream_processor.observability import logger
from stream_processor.sinks.metrics import metrics_namespace
from stream_processor.sinks.s3 import s3_client

from .budget import AFTER_WAIT, DAY_NEED, FANOUT_MAX_WAIT, FINISH, RECONCILE_MIN, TARGET_NEED, Deadline
from .days import lookback
from .errors import ReportError
from .handoff import Handoff, day_event, period_event
from .period import Period, merge_days
from .publish import DailyMetrics, Notifier, ReportStore, day_data_keys, period_keys
from .reconcile.cloudwatch import CloudWatchCounts
from .reconcile.run import Reconciliation, failure_queue_url, publish_gap, reconcile_day, reconciled_groups
from .render.html import render_html
from .render.message import subject, summary_message
from .render.text import render_text
from .report import Report, build_report
from .review import revision
from .review.enrich import enrich
from .review.expected import expected_groups
from .source import fanout
from .source.fanout import FanOut
from .source.hourly import merge_day
from .source.merge import DEFAULT_WORKERS
from .source.reader import PartialSource

PERIOD_BASELINE = 4  # earlier weeks (or months) a period report is compared with


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Generated:
    """A report that was just written."""

    report: Report
    keys: tuple[str, str, str]
    changed: bool
    text: str

    def summary(self) -> dict[str, Any]:
        return {"date": self.report["date"], "revision": self.report["revision"], "changed": self.changed}


@dataclass(slots=True)
class ReportRun:
    """Everything a run needs; sinks left as None are not used."""

    config: Config
    partials: PartialSource
    store: ReportStore
    fanout: FanOut | None = None  # the rollup function that refreshes a day's rollups first
    metrics: DailyMetrics | None = None
    notifier: Notifier | None = None
    counts: CloudWatchCounts | None = None
    handoff: Handoff | None = None  # where days this invocation has no time for go (Lambda only)
    clock: Callable[[], datetime] = field(default=utc_now)

    @property
    def bucket(self) -> str:
        return self.store.bucket

    def generate(self, day: date, wait: float | None = None) -> Generated:
        """Merge (the fan-out waiting at most `wait` s for rollups), build, compare with the
        baseline days, revise, render and write one day."""
        merged = merge_day(self.partials, day, self.fanout, wait)
        baseline_days = self.config.baseline_days
        earlier = [day - timedelta(days=n) for n in range(1, max(baseline_days, 1) + 1)]
        history = [
            (d.isoformat(), stored.report if (stored := self.store.previous(d)) else None) for d in earlier
        ]
        expected = expected_groups(self.config, history)
        body = build_report(day, merged.partial, merged.batches, self.config, merged.objects, expected)
        earlier, history = earlier[:baseline_days], history[:baseline_days]
        indexes = [found for d in earlier if (found := self.store.get_json(day_data_keys(d)[1]))]
        body, index = enrich(body, merged.partial, history, indexes, self.config)
        aggregate_key, index_key = day_data_keys(day)
        self.store.put_json(aggregate_key, merged.partial)
        self.store.put_json(index_key, index)
        stored = self.store.previous(day)
        previous = stored.report if stored else None
        stamp = self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        report = revision.finalise(body, previous, stamp)
        text = render_text(report, self.config.top_log_groups)
        keys = self.store.write(report, text, render_html(report, self.config.top_log_groups))
        logger.info(
            "report written",
            extra={"date": report["date"], "revision": report["revision"], "partials": report["partials"]},
        )
        return Generated(report, keys, revision.changed(report, previous), text)

    def generate_period(self, period: Period, deadline: Deadline | None = None) -> Generated:
        """A weekly or monthly report from the days' stored merged aggregates (a missing day is
        generated first, which stores its aggregate). When the next missing day no longer fits in
        the deadline, `OutOfTime` says to continue in a new invocation (the days so far are stored)."""
        budget = deadline or Deadline.unlimited()
        days, generated = [], 0
        for day in period.days:
            key = day_data_keys(day)[0]
            found = self.store.get_json(key)
            if found is None:
                if generated and self.handoff is not None and not budget.allows(DAY_NEED + TARGET_NEED):
                    why = f"period {period.label} continued: " + _short(budget, DAY_NEED + TARGET_NEED)
                    raise OutOfTime(period_event(period, why))
                self.generate(day, day_wait(budget, TARGET_NEED))
                generated += 1
                found = self.store.get_json(key)
            days.append(found)
        merged = merge_days(days)
        history: list[tuple[str, dict[str, Any] | None]] = []
        earlier = period
        for _ in range(PERIOD_BASELINE):
            earlier = earlier.previous()
            history.append((earlier.label, self.store.get_json(period_keys(earlier.kind, earlier.label)[1])))
        expected = expected_groups(self.config, history)
        body = build_report(
            period.first, merged, merged["batches"], self.config, merged["partials"], expected
        )
        span = {"kind": period.kind, "label": period.label, "from": period.first.isoformat()}
        body = {**body, "date": period.label, "period": {**span, "to": period.last.isoformat()}}
        before = [period.first - timedelta(days=n) for n in range(1, self.config.baseline_days + 1)]
        indexes = [found for d in before if (found := self.store.get_json(day_data_keys(d)[1]))]
        body, _ = enrich(body, merged, history, indexes, self.config)
        keys = period_keys(period.kind, period.label)
        previous = self.store.get_json(keys[1])
        report = revision.finalise(body, previous, self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"))
        text = render_text(report, self.config.top_log_groups)
        self.store.write(report, text, render_html(report, self.config.top_log_groups), keys)
        return Generated(report, keys, revision.changed(report, previous), text)

    def late_days(self, day: date) -> Iterator[date]:
        """Earlier days with a partial written at or after their report (or with no report)."""
        for earlier in lookback(day, self.config.lookback_days):
            newest = self.partials.newest_write(earlier)
            if newest is None:
                continue
            written = self.store.written(earlier)
            if written is None or newest >= written:
                yield earlier

    def run(
        self, day: date, *, late_data: bool = True, deadline: Deadline | None = None, handed_off: bool = False
    ) -> RunResult:
        """The scheduled job: revised earlier days, then the day (so its comparisons with them are
        final on the first run), then metrics and one SNS message. Within `deadline` (see `budget`):
        earlier days that do not fit are handed off, reconciliation is skipped when time is short.
        A `handed_off` run (one earlier day) sends its summary only when the report changed."""
        budget = deadline or Deadline.unlimited()
        revised, later = self.revise_late(day, budget) if late_data else ([], [])
        target = self.generate(day, day_wait(budget, FINISH))
        now = self.clock()
        if self.metrics is not None:
            for generated in [target, *(r for r in revised if r.changed)]:
                self.metrics.publish(generated.report, now)
        reconciled, skipped = self.reconcile(day, target.report, now, budget)
        message_id = None
        if self.notifier is not None and (target.changed or not handed_off):
            changed = [r.report for r in revised if r.changed]
            locations = [f"s3://{self.bucket}/{key}" for key in target.keys]
            link = self.store.presign(target.keys[2], now)
            body = summary_message(target.report, locations, link, changed, later, skipped)
            message_id = self.notifier.publish(subject(target.report), body)
        return RunResult(self.bucket, target, revised, message_id, reconciled, later, skipped)

    def revise_late(self, day: date, budget: Deadline) -> tuple[list[Generated], list[date]]:
        """The earlier days with late data, oldest first: generated here while one fits in front
        of the target's reserve, the rest each handed off to its own invocation."""
        revised: list[Generated] = []
        later: list[date] = []
        for earlier in sorted(self.late_days(day)):
            if later or not budget.allows(DAY_NEED + TARGET_NEED):
                later.append(earlier)
            else:
                revised.append(self.generate(earlier, day_wait(budget, TARGET_NEED)))
        if not later:
            return revised, later
        why = f"late data, no time in the run of {day}: " + _short(budget, DAY_NEED + TARGET_NEED)
        if self.handoff is None:  # nowhere to send them (not in Lambda): late, but not lost
            logger.warning("no hand-off possible, generating past the budget", extra={"days": len(later)})
            return revised + [self.generate(earlier) for earlier in later], []
        for earlier in later:
            self.handoff.send(day_event(earlier, why))
        return revised, later

    def reconcile(
        self, day: date, report: Report, now: datetime, budget: Deadline
    ) -> tuple[Reconciliation | None, list[str]]:
        """Compare the day with CloudWatch's counts and emit `ReconcileGap` (never fails the run);
        skipped, and said so, when the deadline leaves too little time. Insights waits obey it."""
        if self.counts is None:
            return None, []
        if not budget.allows(FINISH + RECONCILE_MIN):
            why = "reconciliation with CloudWatch skipped: " + _short(budget, FINISH + RECONCILE_MIN)
            logger.warning("reconciliation skipped", extra={"date": day.isoformat(), "reason": why})
            return None, [why]
        from botocore.exceptions import BotoCoreError, ClientError

        counts = self.counts
        try:
            groups = reconciled_groups(self.config, report, counts.prefixed(self.config.log_group_prefixes))
            found = reconcile_day(
                day,
                dict(report),
                groups,
                counts,
                self.bucket,
                0.0,
                failure_queue_url(),
                lambda: budget.wait(counts.query_timeout, FINISH),
            )
            if self.metrics is not None:
                publish_gap(self.metrics.client, self.metrics.namespace, found, now)
        except (BotoCoreError, ClientError) as exc:
            logger.warning("reconciliation skipped", extra={"date": day.isoformat(), "error": str(exc)})
            return None, []
        logger.info("reconciled", extra={"date": day.isoformat(), "gap": found.gap, "lines": found.lines()})
        return found, []


class OutOfTime(ReportError):
    """A period report has to continue in a new invocation: `event` is what to send it."""

    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__(f"no time left: continue with {event}")
        self.event = event


def day_wait(budget: Deadline, reserve: float) -> float:
    """How long a day's fan-out may wait for rollups: the cap, or less so that the day's own
    merge and write (`AFTER_WAIT`) and `reserve` seconds more stay."""
    wait = budget.wait(FANOUT_MAX_WAIT, AFTER_WAIT + reserve)
    if wait < FANOUT_MAX_WAIT:
        logger.info("fan-out wait limited by the deadline", extra={"wait": round(wait, 1)})
    return wait


def _short(budget: Deadline, needed: float) -> str:
    return f"{budget.remaining():.0f} s left of the invocation, {needed:.0f} s needed"


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one run wrote and sent."""

    bucket: str
    target: Generated
    revised: list[Generated]
    message_id: str | None = None
    reconciled: Reconciliation | None = None
    handed_off: list[date] = field(default_factory=list)  # earlier days sent to their own runs
    skipped: list[str] = field(default_factory=list)  # optional work left out, and why

    def summary(self) -> dict[str, Any]:
        """The handler's small return value."""
        report = self.target.report
        return {
            "date": report["date"],
            "bucket": self.bucket,
            "keys": list(self.target.keys),
            "revision": report["revision"],
            "changed": self.target.changed,
            "totals": report["totals"],
            "alerts": len(report["alerts"]),
            "regenerated": [r.summary() for r in self.revised],
            "notification": self.message_id,
            "reconcile_gap": None if self.reconciled is None else self.reconciled.gap,
            "handed_off": [day.isoformat() for day in self.handed_off],
            "skipped": self.skipped,
        }


def from_environment(config: Config, bucket: str | None = None, notify: bool = True) -> ReportRun:
    """A run against AWS (or AWS_ENDPOINT_URL): REPORT_BUCKET unless a bucket is given."""
    import boto3

    name = bucket or os.environ.get("REPORT_BUCKET") or config.report_bucket
    if not name:
        raise ReportError("no report bucket: set REPORT_BUCKET or pass --bucket")
    s3 = s3_client()
    topic = os.environ.get("ALERT_TOPIC_ARN", "")
    cloudwatch = boto3.client("cloudwatch")
    prefix = os.environ.get("SUBSCRIPTION_FILTER_PREFIX", "")
    return ReportRun(
        config=config,
        partials=PartialSource(name, s3, DEFAULT_WORKERS, config.rules),
        fanout=fanout.from_environment(),
        store=ReportStore(name, s3),
        metrics=DailyMetrics(cloudwatch, metrics_namespace()),
        notifier=Notifier(topic, boto3.client("sns")) if topic and notify else None,
        counts=CloudWatchCounts(cloudwatch, boto3.client("logs"), prefix, config.query_timeout_seconds),
    )
