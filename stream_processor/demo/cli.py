"""Run the whole system on one machine: a day of logs through CloudWatch Logs subscription
filters, the StreamProcessor, near-real-time alarms and the daily review report — no AWS account.

A local AWS endpoint (moto) starts in this process; the stack is created on it; a generated day
of admin and operator activity with a story in it (or your own files, --logs) is sent with
PutLogEvents; the real Lambda handlers do the rest. Report files go to --output.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import LogReviewError
from .alerts import AlertWatch
from .emulator import Environment, LocalAws, Stack
from .files import agent_rules, read_files
from .reports import (
    ReportFiles,
    bucket_summary,
    download,
    run_daily_report,
    screenshot,
    show_bucket,
    show_notifications,
    show_outputs,
    show_report,
)
from .session import (
    Pipeline,
    Streams,
    build_stack,
    deliver,
    open_log,
    plan_calls,
    quiet,
    reported_days,
    start,
    step,
)
from .show import Console
from .story import ADMIN, MIN_HOURS, OPERATOR, Story, generate

DEFAULT_EVENTS = 50_000
DEFAULT_HOURS = 24
RETENTION_DAYS = 30
SERVICE_LOGGERS = ("logreview", "daily_report")


def configure(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--hours", type=int, help=f"hours of the generated day ({MIN_HOURS}-24, default {DEFAULT_HOURS})")
    add("--events", type=int, help=f"about how many events to generate (default {DEFAULT_EVENTS:,})")
    add("--seed", type=int, default=7, help="random seed of the generated day (default 7)")
    add("--output", default="demo-output", help="directory for the report files (default ./demo-output)")
    add("--logs", nargs="+", metavar="FILE", help="review your own log files instead of a generated day")
    add("--group", help=f"log group the --logs files go to (default {ADMIN})")
    add(
        "--endpoint",
        metavar="URL",
        help="use an AWS endpoint that is already running (moto server, LocalStack)",
    )


def _check(args: argparse.Namespace) -> None:
    if args.logs:
        if args.hours is not None or args.events is not None:
            raise LogReviewError("--hours and --events shape the generated day; they do not apply to --logs")
        return
    if args.group is not None:
        raise LogReviewError("--group names the log group of --logs files; give --logs FILE too")
    hours = DEFAULT_HOURS if args.hours is None else args.hours
    if not MIN_HOURS <= hours <= 24:
        raise LogReviewError(f"--hours must be between {MIN_HOURS} and 24 (the story needs {MIN_HOURS})")
    if args.events is not None and args.events < 100:
        raise LogReviewError("--events must be at least 100")


def _generated(args: argparse.Namespace, console: Console) -> tuple[Streams, str]:
    """Yesterday (UTC), so every event is in the past and within CloudWatch's 14 days."""
    day = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    story = Story.plan(day, DEFAULT_HOURS if args.hours is None else args.hours)
    logs = generate(story, DEFAULT_EVENTS if args.events is None else args.events, args.seed)
    groups = logs.by_group()
    console.section(f"the day: {day}, hours 00-{story.hours - 1:02d} UTC, {logs.events:,} events")
    console.line(f"{ADMIN:<16}{groups[ADMIN]:>8,} events: sshd and sudo (syslog), admin-tool audit (logfmt)")
    console.line(
        f"{OPERATOR:<16}{groups[OPERATOR]:>8,} events: JSON request logs, logfmt jobs, plain text, "
        "stack traces (one event each)"
    )
    console.line(
        f"the story       {story.failed_logins_hour:02d}:00 {logs.failed_logins} failed logins, then sudo "
        f"usermod and AttachUserPolicy · {story.silent_hour:02d}:00 the operator stream goes silent"
    )
    console.line(
        f"{'':16}{story.error_hour:02d}:00 a database outage (error burst) · "
        f"{story.latency_hour:02d}:00 a latency spike"
    )
    return logs.streams, day


def _files(args: argparse.Namespace, console: Console) -> tuple[Streams, str | None]:
    group = args.group or ADMIN
    feed = step("reading the log files", read_files, args.logs, group, agent_rules(), time.time())
    total = sum(len(events) for events in feed.streams.values())
    console.section(f"your logs: {len(args.logs)} file(s) → {group}, {total:,} events")
    console.line("grouped into events by the agent's multi-line start pattern and timestamp format")
    console.line("(agent/amazon-cloudwatch-agent.json)")
    console.notes(feed.notes)
    return feed.streams, None


def _stream(console: Console, stack: Stack, streams: Streams, output: Path, every_hour: bool) -> Pipeline:
    """Deliver the logs hour by hour and process them; the alarms use the configured thresholds."""
    from ..config import load_config

    config = step("loading the configuration from SSM", load_config)
    watch = AlertWatch(
        stack.log_groups, config.error_rate_threshold, config.latency_threshold_ms, report_silence=every_hour
    )
    with open_log(output, "stream-processor.log") as log:
        pipeline = Pipeline(stack, watch, log)
        deliver(pipeline, plan_calls(streams), console, every_hour)
    return pipeline


def _summary(console: Console, pipeline: Pipeline, lambda_log: Path) -> None:
    totals = pipeline.totals
    rate = totals.processed / totals.processing_s if totals.processing_s else 0.0
    console.section("StreamProcessor")
    console.line(
        f"{totals.processed:,} events in {totals.records:,} batches (Kinesis records), "
        f"{totals.invocations:,} invocations, {totals.processing_s:.1f} s in the handler "
        f"({rate:,.0f} events/s)"
    )
    console.line(
        f"{totals.emf_objects:,} EMF metric objects (namespace LogProcessor), as printed: {lambda_log}"
    )
    alarms = sum(1 for alert in totals.alerts if alert.is_alarm)
    console.line(f"{alarms} alarm(s) raised while the logs streamed in")
    accepted = sum(totals.events.values()) - pipeline.rejected
    if pipeline.rejected:
        console.line(f"note: CloudWatch Logs rejected {pipeline.rejected:,} events (too old or too new)")
    if totals.processed != accepted:
        console.line(f"note: {accepted:,} events accepted but {totals.processed:,} processed")


def _reports(console: Console, stack: Stack, main_day: str | None, output: Path) -> list[ReportFiles]:
    """The DailyReport for every day with partials; files, bucket and SNS message shown."""
    days = step("listing the partial aggregates", reported_days, stack.bucket)
    if not days:
        raise LogReviewError("no partial aggregates were written, so there is no day to report")
    with open_log(output, "daily-report.log") as log:
        for day in days:
            step(f"the DailyReport for {day}", run_daily_report, day, log)
    files = [
        step(
            "downloading the report", download, stack.bucket, day, output if len(days) == 1 else output / day
        )
        for day in days
    ]
    shown = next((f for f in files if f.day == main_day), files[-1])
    show_report(console, shown)
    show_outputs(console, files)
    screenshot(console, shown)
    show_bucket(console, stack.bucket, step("listing the bucket", bucket_summary, stack.bucket))
    step("reading the alert queue", show_notifications, console, stack.queue_url, shown.day)
    return files


def _clear_parameter_cache() -> None:
    """Powertools caches the config parameter; a later run (another endpoint) must not see it."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]  # Powertools leaves it unannotated


def _environment(env: Environment, stack: Stack) -> None:
    """What template.yaml gives the functions."""
    env.set("REPORT_BUCKET", stack.bucket)
    env.set("CONFIG_PARAMETER", stack.parameter)
    env.set("ALERT_TOPIC_ARN", stack.topic_arn)
    env.set("POWERTOOLS_METRICS_NAMESPACE", "LogProcessor")
    env.set("POWERTOOLS_SERVICE_NAME", "logreview")
    env.set("POWERTOOLS_LOG_LEVEL", "WARNING")
    _clear_parameter_cache()


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    _check(args)
    console = Console()
    output = Path(args.output)
    console.line("logreview demo: the whole system on one machine, no AWS account needed")
    aws = LocalAws()
    with quiet(SERVICE_LOGGERS):
        try:
            streams, main_day = _files(args, console) if args.logs else _generated(args, console)
            endpoint = aws.use(args.endpoint) if args.endpoint else start(aws)
            groups = tuple(dict.fromkeys((ADMIN, OPERATOR, *(group for group, _ in streams))))
            stack = build_stack(groups, RETENTION_DAYS)
            _environment(aws.env, stack)
            console.stack(endpoint, stack, started_here=not args.endpoint)
            pipeline = _stream(console, stack, streams, output, every_hour=not args.logs)
            _summary(console, pipeline, output / "stream-processor.log")
            _reports(console, stack, main_day, output)
        finally:
            aws.stop()
            _clear_parameter_cache()
    console.line()
    console.line(f"done in {time.perf_counter() - started:.1f} s")
    return 0
