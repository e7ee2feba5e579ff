"""`logreview` console script: one subcommand per module, each exposing `configure` and `run`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .errors import LogReviewError

# subcommand → module providing `configure(parser)` and `run(args) -> int`
COMMANDS: dict[str, str] = {
    "decode": "stream_processor.decode_cli",
    "demo": "stream_processor.demo.cli",
    "replay": "stream_processor.replay.cli",
    "report": "daily_report.cli",
    "rollup": "daily_report.rollup_cli",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="logreview", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        doc = (module.__doc__ or "").strip().splitlines()[0]
        command = sub.add_parser(name, help=doc, description=module.__doc__)
        module.configure(command)
        command.set_defaults(module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.module.run(args)
    except LogReviewError as exc:
        print(f"logreview {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"logreview {args.command}: interrupted", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
