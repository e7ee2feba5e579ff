"""Roll up partials by UTC hour: `--date YYYY-MM-DD` (all 24 hours) or `--hour YYYY-MM-DDTHH`.

Writes rollups/dt=DAY/hour=HH.json in the bucket (REPORT_BUCKET or --bucket), the same objects the
scheduled rollup function writes; rerunning is harmless (an hour with nothing new is left as is).
Prints one progress line per hour on stderr, and a summary.
"""

from __future__ import annotations

import argparse
import sys
import time

from botocore.exceptions import BotoCoreError, ClientError

from ..errors import ReportError
from ..source.merge import DEFAULT_WORKERS
from .roller import HourResult, event_hours, from_environment, roll_up_hours


def configure(parser: argparse.ArgumentParser) -> None:
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--date", help="the UTC day to roll up, YYYY-MM-DD (all 24 hours)")
    when.add_argument("--hour", help="one UTC hour, YYYY-MM-DDTHH")
    parser.add_argument("--bucket", help="bucket with aggregates/ and rollups/ (default: REPORT_BUCKET)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="partials fetched at once")


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise ReportError("--workers must be at least 1")
    hours = event_hours({"hour": args.hour} if args.hour else {"date": args.date})
    roller = from_environment(args.bucket, args.workers)
    started = time.monotonic()
    out = sys.stderr

    def progress(result: HourResult) -> None:
        index = len(done) + 1
        done.append(result)
        out.write(
            f"[{index}/{len(hours)}] {result.hour} {result.status}  objects {result.objects:,}  "
            f"fetched {result.fetched:,}  {time.monotonic() - started:.1f}s\n"
        )
        out.flush()

    done: list[HourResult] = []
    try:
        roll_up_hours(roller, hours, progress)
    except (BotoCoreError, ClientError) as exc:
        raise ReportError(f"AWS call failed: {exc}") from exc
    written = sum(result.status == "written" for result in done)
    out.write(
        f"rollup: {len(done)} hours, {written} written, {sum(r.fetched for r in done):,} partials fetched, "
        f"s3://{roller.source.bucket}/rollups/\n"
    )
    return 0
