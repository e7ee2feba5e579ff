"""Build or rebuild review reports: `--date DAY`, `--from DAY --to DAY`, `--week 2026-W48` or
`--month 2026-11`.

Reads the day's partial aggregates from the bucket (REPORT_BUCKET or --bucket), writes the
three report objects under reports/YYYY/MM/DD/ and publishes the daily metrics. A single day
prints its text report; a range prints one progress line per day.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from stream_processor.config.cli import add_config_option, config_from_args

from .days import day_range, parse_day
from .errors import ReportError
from .job import from_environment
from .period import month_of, week_of


def configure(parser: argparse.ArgumentParser) -> None:
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--date", help="the UTC day to report, YYYY-MM-DD")
    when.add_argument("--from", dest="first", metavar="DAY", help="first day of a range")
    when.add_argument(
        "--week", metavar="YYYY-Www", help="an ISO week, e.g. 2026-W48 (from the days' aggregates)"
    )
    when.add_argument("--month", metavar="YYYY-MM", help="a calendar month, e.g. 2026-11")
    parser.add_argument("--to", dest="last", metavar="DAY", help="last day of a range (default: --from)")
    parser.add_argument("--bucket", help="bucket with aggregates/ and reports/ (default: REPORT_BUCKET)")
    parser.add_argument("--notify", action="store_true", help="also send the SNS summary (ALERT_TOPIC_ARN)")
    parser.add_argument(
        "--late-data", action="store_true", help="also revise earlier days with late partials"
    )
    parser.add_argument("--no-metrics", action="store_true", help="do not publish the daily metrics")
    parser.add_argument("--quiet", action="store_true", help="do not print the text report")
    add_config_option(parser)


def _progress(out: TextIO, index: int, count: int, summary: dict[str, Any]) -> None:
    state = "changed" if summary["changed"] else "unchanged"
    totals = summary["totals"]
    prefix = summary["keys"][0].rsplit("/", 1)[0]
    out.write(
        f"[{index}/{count}] {summary['date']}  revision {summary['revision']} ({state})  "
        f"events {totals['events']:,}  errors {totals['errors']:,}  alerts {summary['alerts']}  "
        f"s3://{summary['bucket']}/{prefix}/\n"
    )
    out.flush()


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (BotoCoreError, ClientError) as exc:
        raise ReportError(f"AWS call failed: {exc}") from exc


def _run(args: argparse.Namespace) -> int:
    if args.last and not args.first:
        raise ReportError("--to needs --from")
    if args.week or args.month:
        period = week_of(args.week) if args.week else month_of(args.month)
        job = from_environment(config_from_args(args), bucket=args.bucket, notify=False)
        generated = job.generate_period(period)
        if not args.quiet:
            sys.stdout.write(generated.text)
        sys.stdout.write("\nReport objects:\n")
        sys.stdout.writelines(f"  s3://{job.bucket}/{key}\n" for key in generated.keys)
        return 0
    days = (
        [parse_day(args.date)]
        if args.date
        else day_range(parse_day(args.first), parse_day(args.last or args.first))
    )
    job = from_environment(config_from_args(args), bucket=args.bucket, notify=args.notify)
    if args.no_metrics:
        job = replace(job, metrics=None)
    out = sys.stdout
    for index, day in enumerate(days, 1):
        result = job.run(day, late_data=args.late_data)
        summary = result.summary()
        if len(days) > 1:
            _progress(out, index, len(days), summary)
            continue
        if not args.quiet:
            out.write(result.target.text)
        out.write("\nReport objects:\n")
        out.writelines(f"  s3://{summary['bucket']}/{key}\n" for key in summary["keys"])
        for earlier in summary["regenerated"]:
            out.write(f"  revised {earlier['date']}: revision {earlier['revision']}\n")
    return 0
