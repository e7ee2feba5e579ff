"""Prove that every event CloudWatch forwarded is in the day's report, hour by hour.

Compares the stored report of --date (build it first with `logreview report`) with CloudWatch
Logs' own counts: the `AWS/Logs` metrics ForwardedLogEvents (per subscription filter) or
IncomingLogEvents, else a Logs Insights count bounded by the config's QueryTimeoutSeconds.
Prints the hours that differ and the exact commands that would recover the short ones.
Exit status 1 when any hour differs beyond --tolerance.
"""

from __future__ import annotations

import argparse
import os

from stream_processor.config.cli import add_config_option, config_from_args
from stream_processor.sinks.s3 import s3_client

from ..days import parse_day
from ..errors import ReportError
from ..publish import ReportStore
from .cloudwatch import CloudWatchCounts
from .run import failure_queue_url, reconcile_day, reconciled_groups


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, help="the UTC day to check, YYYY-MM-DD")
    parser.add_argument(
        "--log-group",
        dest="log_groups",
        action="append",
        default=[],
        metavar="NAME",
        help="repeatable (default: the config's named groups and every group under its prefixes)",
    )
    parser.add_argument("--bucket", help="bucket with reports/ (default: REPORT_BUCKET)")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        help="allowed difference as a fraction of CloudWatch's hourly count (default 0: exact)",
    )
    parser.add_argument(
        "--filter-prefix",
        default=os.environ.get("SUBSCRIPTION_FILTER_PREFIX", ""),
        help="name prefix of our subscription filters (default SUBSCRIPTION_FILTER_PREFIX)",
    )
    parser.add_argument(
        "--failure-queue",
        default=failure_queue_url(),
        metavar="URL",
        help="the processor's failure queue (default FAILURE_QUEUE_URL)",
    )
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    import boto3

    if not 0 <= args.tolerance < 1:
        raise ReportError("--tolerance must be a fraction from 0 up to (not including) 1")
    day = parse_day(args.date)
    config = config_from_args(args)
    bucket = args.bucket or os.environ.get("REPORT_BUCKET") or config.report_bucket
    if not bucket:
        raise ReportError("no report bucket: set REPORT_BUCKET or pass --bucket")
    stored = ReportStore(bucket, s3_client()).previous(day)
    if stored is None:
        raise ReportError(f"no report for {day}: run 'logreview report --date {day}' first")
    counts = CloudWatchCounts(
        boto3.client("cloudwatch"), boto3.client("logs"), args.filter_prefix, config.query_timeout_seconds
    )
    listed = counts.prefixed(config.log_group_prefixes) if not args.log_groups else ()
    groups = args.log_groups or reconciled_groups(config, stored.report, listed)
    found = reconcile_day(day, stored.report, groups, counts, bucket, args.tolerance, args.failure_queue)
    print("\n".join(found.lines()))
    return 1 if any(result.gaps for result in found.results) else 0
