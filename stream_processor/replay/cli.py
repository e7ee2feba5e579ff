"""Replay archived batches through the pipeline (by day and log group), or re-drive a DLQ.

  logreview replay s3://BUCKET/PREFIX [--format archive|firehose|export] [--since D] [--until D]
                   [--log-group NAME ...] [--replace] [--dry-run] [--workers N] [--via-queue URL]
                   [--bucket DEST]
  logreview replay --from-dlq QUEUE_URL [--bucket DEST] [--dry-run]

Without a source, replays s3://$REPORT_BUCKET/archive/. A firehose or export replay over days whose
log group is already counted is refused unless --replace (see `coverage`). Exit status 1 when
anything failed or was quarantined (the summary names each), 2 for a usage or configuration error
or a refused replay.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from ..config import Config
from ..config.cli import add_config_option, config_from_args
from ..errors import LogReviewError
from ..ingest import Ingest
from ..observability import logger
from ..sinks import S3Sink
from ..sinks.s3 import s3_client
from .coverage import FOREIGN, SUPERSEDED, check, refusal, set_aside
from .days import DayRange
from .dlq import Redriver, redrive
from .formats import FORMATS
from .progress import Progress
from .queue import enqueue
from .run import run_pool, summary_line, timed
from .select import ARCHIVE_ROOT, SourceObject, select
from .work import ObjectReplayer, SilentMetrics, Tally

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DEFAULT_WORKERS = 8


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("source", nargs="?", help="s3://BUCKET/PREFIX (default s3://$REPORT_BUCKET/archive/)")
    parser.add_argument("--format", choices=FORMATS, default="archive", help="what the objects are")
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="first UTC day (inclusive)")
    parser.add_argument("--until", metavar="YYYY-MM-DD", help="last UTC day (inclusive)")
    parser.add_argument(
        "--log-group", dest="log_groups", action="append", default=[], metavar="NAME", help="repeatable"
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="firehose/export: set aside the partials that already count these groups and days",
    )
    parser.add_argument("--dry-run", action="store_true", help="read and count; write nothing")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="objects replayed at once")
    parser.add_argument("--via-queue", metavar="QUEUE_URL", help="enqueue the objects for the Lambda")
    parser.add_argument("--bucket", metavar="DEST", help="destination bucket (default $REPORT_BUCKET)")
    parser.add_argument("--from-dlq", metavar="QUEUE_URL", help="re-drive a dead-letter queue")
    parser.add_argument("--verbose", action="store_true", help="log every batch to stderr")
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    _route_logs(args.verbose)
    if args.workers < 1:
        raise LogReviewError("--workers must be at least 1")
    if args.from_dlq and (args.source or args.via_queue):
        raise LogReviewError("--from-dlq takes no source and no --via-queue")
    try:
        return _run_dlq(args) if args.from_dlq else _run_replay(args)
    except (BotoCoreError, ClientError) as exc:  # listing, enqueueing, receiving: nothing to go on with
        raise LogReviewError(str(exc)) from exc


def _run_replay(args: argparse.Namespace) -> int:
    window = DayRange.parse(args.since, args.until)
    client = s3_client()
    source = args.source or f"s3://{_report_bucket(None)}/{ARCHIVE_ROOT}"
    print(f"replay: listing {source} ({args.format})", file=sys.stderr)
    objects = list(select(client, source, args.format, window, args.log_groups))
    if args.format in FOREIGN:
        _guard_counted(args, client, window)
    elif args.replace:
        raise LogReviewError("--replace applies to firehose and export replays (archive replays overwrite)")
    if args.via_queue:
        return _enqueue(args, objects, window)
    ingest = None if args.dry_run else _ingest(args.bucket, client, config_from_args(args))
    replayer = ObjectReplayer(client, ingest, window)
    progress = Progress(len(objects), sum(obj.size for obj in objects))
    tally, seconds = timed(lambda: run_pool(objects, replayer, args.workers, progress))
    return _report(tally, summary_line(tally, seconds), args.dry_run)


def _guard_counted(args: argparse.Namespace, client: S3Client, window: DayRange) -> None:
    """Refuse, or with --replace set aside, what already counts the replayed groups and days."""
    bucket = _report_bucket(args.bucket)
    coverage = check(client, bucket, window, args.log_groups)
    if not coverage.found:
        return
    if not args.replace:
        raise LogReviewError(refusal(coverage, args.format))
    if args.dry_run:
        print(
            f"(dry run) would set aside {len(coverage.found):,} partial(s) under {SUPERSEDED}",
            file=sys.stderr,
        )
        return
    set_aside(client, bucket, coverage)
    print(
        f"replay: set aside {len(coverage.moved):,} objects ({len(coverage.found):,} partials and their "
        f"archive objects) under s3://{bucket}/{SUPERSEDED}; deleted {len(coverage.rollups):,} rollups",
        file=sys.stderr,
    )


def _report(tally: Tally, line: str, dry_run: bool) -> int:
    print(("(dry run) " if dry_run else "") + line)
    for note in tally.notes:
        print(f"  {note}")
    if tally.notes_dropped:
        print(f"  … and {tally.notes_dropped:,} more (quarantine/ keeps each with a .json reason)")
    return 0 if tally.ok else 1


def _enqueue(args: argparse.Namespace, objects: list[SourceObject], window: DayRange) -> int:
    if args.bucket:
        raise LogReviewError("--bucket does not apply to --via-queue: the Lambda writes to its REPORT_BUCKET")
    if args.dry_run:
        print(f"(dry run) would enqueue {len(objects):,} objects to {args.via_queue}")
        return 0
    import boto3

    sent = enqueue(boto3.client("sqs"), args.via_queue, objects, window)
    print(f"replay: enqueued {sent:,} objects to {args.via_queue}")
    return 0


def _run_dlq(args: argparse.Namespace) -> int:
    import boto3

    client = s3_client()
    ingest = None if args.dry_run else _ingest(args.bucket, client, config_from_args(args))
    redriver = Redriver(ObjectReplayer(client, ingest))
    result, seconds = timed(lambda: redrive(boto3.client("sqs"), args.from_dlq, redriver))
    line = (
        f"{summary_line(result.tally, seconds)}; {result.received} messages, {result.deleted} deleted,"
        f" {result.received - result.deleted} kept"
    )
    return _report(result.tally, line, args.dry_run)


def _report_bucket(explicit: str | None) -> str:
    bucket = explicit or os.environ.get("REPORT_BUCKET", "")
    if not bucket:
        raise LogReviewError("no bucket: set REPORT_BUCKET or pass --bucket / an s3:// source")
    return bucket


def _ingest(bucket: str | None, client: S3Client, config: Config) -> Ingest:
    """The live pipeline bound to the destination; rules are loaded once for the whole replay."""
    rules = config.rules
    return Ingest(S3Sink(_report_bucket(bucket), client), lambda: rules, metrics=SilentMetrics())


class _Stderr:
    """Whatever `sys.stderr` is at the time of writing (it may be replaced after start-up)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _route_logs(verbose: bool) -> None:
    """Pipeline logs go to stderr (stdout is the summary), per-batch lines only with --verbose."""
    logger.setLevel("INFO" if verbose else "ERROR")
    for handler in logging.getLogger(logger.name).handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.stream = _Stderr()
