"""Place or release a legal hold on a day's evidence (archive, reports and digest).

Every current version of the day's objects gets the hold; a held version cannot be deleted by
anyone, whatever its retention, until the hold is released with --release.
"""

from __future__ import annotations

import argparse
import os

from stream_processor.sinks.s3 import s3_client

from ..days import day_range, parse_day
from ..errors import ReportError
from .hold import set_legal_hold


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, help="the first UTC day, YYYY-MM-DD")
    parser.add_argument("--to", help="the last UTC day (default: --date)")
    parser.add_argument("--release", action="store_true", help="release the hold instead of placing it")
    parser.add_argument("--bucket", help="the report bucket (default: REPORT_BUCKET)")


def run(args: argparse.Namespace) -> int:
    bucket = args.bucket or os.environ.get("REPORT_BUCKET", "")
    if not bucket:
        raise ReportError("no report bucket: set REPORT_BUCKET or pass --bucket")
    first = parse_day(args.date)
    client = s3_client()
    for day in day_range(first, parse_day(args.to) if args.to else first):
        count = set_legal_hold(client, bucket, day, on=not args.release)
        print(
            f"{day}: legal hold {'released on' if args.release else 'placed on'} {count:,} object version(s)"
        )
    return 0
