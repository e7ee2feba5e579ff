"""logreview: review AWS CloudWatch admin and operator logs — demo, replay, reports, checks.

Each subcommand lives in its own module, which exposes `configure(parser)` and `run(args) -> int`;
this module only routes, prints errors on one line and maps them to the exit codes below.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata

from .errors import LogReviewError

EXIT_OK = 0
EXIT_FINDINGS = 1  # the command ran, but found something wrong (failed replays, reconcile gaps)
EXIT_USAGE = 2  # bad arguments, bad configuration, or input we refuse (the message says which)
EXIT_AWS = 3  # an AWS call failed after botocore's retries
EXIT_INTERNAL = 4  # a bug: please report it with the --debug traceback
EXIT_INTERRUPTED = 130

EXIT_CODES = f"""exit status:
  {EXIT_OK}    success
  {EXIT_FINDINGS}    the command ran and found problems (failed or quarantined replays, reconcile gaps)
  {EXIT_USAGE}    usage or configuration error (the message names the argument or config key)
  {EXIT_AWS}    an AWS call failed after retries (credentials, permissions, throttling, network)
  {EXIT_INTERNAL}    unexpected internal error (run again with --debug and report the traceback)
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)"""


@dataclass(frozen=True, slots=True)
class Command:
    """A subcommand: the module that implements it, what it is for, and one example."""

    module: str
    purpose: str
    example: str


COMMANDS: dict[str, Command] = {
    "demo": Command(
        "stream_processor.demo.cli",
        "run the whole pipeline on this machine against a local AWS emulator (no account needed)",
        "logreview demo --events 20000 --output demo-output",
    ),
    "report": Command(
        "daily_report.cli",
        "build (or rebuild) the daily review report of a day or a range of days",
        "logreview report --date 2026-11-28 --config config.json",
    ),
    "replay": Command(
        "stream_processor.replay.cli",
        "re-feed archived batches (or Firehose / export-task objects, or a DLQ) through the pipeline",
        "logreview replay --since 2026-11-27 --until 2026-11-28 --log-group /admin/logs",
    ),
    "rollup": Command(
        "daily_report.rollup.cli",
        "merge the partials of each UTC hour into rollups (what the hourly rollup function does)",
        "logreview rollup --date 2026-11-28",
    ),
    "reconcile": Command(
        "daily_report.reconcile.cli",
        "compare a day's hourly event counts with CloudWatch's own and print how to recover gaps",
        "logreview reconcile --date 2026-11-28 --log-group /admin/logs",
    ),
    "config": Command(
        "stream_processor.config.cli",
        "check a config document before it goes live, or show the settings in force and their sources",
        "logreview config validate config.json",
    ),
    "decode": Command(
        "stream_processor.decode.cli",
        "print the log events inside a subscription payload or Lambda event file as JSON lines",
        "logreview decode event.json --envelope",
    ),
    "verify": Command(
        "daily_report.evidence.verify_cli",
        "check a day's signed evidence digest and every archive and report object against it",
        "logreview verify --date 2026-11-28",
    ),
    "onboard": Command(
        "stream_processor.onboard.cli",
        "list the log groups the config selects: subscribed, not yet, or refused and why",
        "logreview onboard --check",
    ),
    "query": Command(
        "daily_report.query.cli",
        "SQL over the archive and reports (Athena): canned (sudo, logins, events, reports) or your own",
        "logreview query sudo --principal alice --since 2026-10-01 --until 2026-12-31",
    ),
    "hold": Command(
        "daily_report.evidence.hold_cli",
        "place (or --release) a legal hold on a day's archive, reports and digest",
        "logreview hold --date 2026-11-28 --to 2026-11-30",
    ),
}


def version() -> str:
    """The installed distribution's version (the source tree's when not installed)."""
    try:
        return metadata.version("logreview")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logreview",
        description=(__doc__ or "").strip().splitlines()[0],
        epilog=f"Run 'logreview COMMAND --help' for a command's options.\n\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from .backends import summary

    parser.add_argument("--version", action="version", version=f"logreview {version()}\n{summary()}")
    parser.add_argument("--debug", action="store_true", help="print the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        module = importlib.import_module(command.module)
        heading = command.purpose[:1].upper() + command.purpose[1:]
        parser_of = sub.add_parser(
            name,
            help=command.purpose,
            description=f"{heading}.\n\n{module.__doc__ or ''}".rstrip(),
            epilog=f"example:\n  {command.example}\n\n{EXIT_CODES}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(parser_of)
        parser_of.set_defaults(module=module)
    return parser


def _fail(command: str, message: str, code: int, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    text = " ".join(message.split()) or "failed"
    print(f"logreview {command}: {text}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        status: int = args.module.run(args)
    except LogReviewError as exc:
        cause = exc.__cause__
        aws = isinstance(cause, BotoCoreError | ClientError)
        return _fail(args.command, str(exc), EXIT_AWS if aws else EXIT_USAGE, args.debug)
    except (BotoCoreError, ClientError) as exc:
        return _fail(args.command, f"AWS call failed: {exc}", EXIT_AWS, args.debug)
    except KeyboardInterrupt:
        return _fail(args.command, "interrupted", EXIT_INTERRUPTED, args.debug)
    except Exception as exc:  # a bug: one line for the user, the traceback behind --debug
        hint = "" if args.debug else " (run again with --debug for the traceback)"
        return _fail(
            args.command, f"internal error: {type(exc).__name__}: {exc}{hint}", EXIT_INTERNAL, args.debug
        )
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
