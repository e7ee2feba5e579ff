"""Check a configuration document before it goes live, or show the configuration in force.

  logreview config validate FILE     exit 0 when FILE is a valid document, 2 with the key at fault
  logreview config show [--config FILE]
                                     every setting with its value and where it came from

Without --config, `show` reads the SSM parameter named by CONFIG_PARAMETER (default
/log-processor/config), exactly as the Lambda functions do.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from .config import (
    DEFAULT_DOCUMENT,
    Config,
    document,
    file_text,
    load_config,
    load_config_file,
    parameter_name,
    parameter_text,
    parse_config,
)


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """`--config FILE`: use a local JSON document instead of the SSM parameter."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="JSON config document to use instead of the SSM parameter (CONFIG_PARAMETER)",
    )


def config_from_args(args: argparse.Namespace) -> Config:
    """The config named by `--config FILE`, else the SSM parameter's."""
    path = getattr(args, "config", None)
    return load_config_file(path) if path else load_config()


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = sub.add_parser("validate", help="check a JSON config document; exit 2 naming the bad key")
    check.add_argument("file", help="the JSON document (as stored in the SSM parameter)")
    show = sub.add_parser("show", help="print the settings in force, each with its source")
    add_config_option(show)


def run(args: argparse.Namespace) -> int:
    if args.action == "validate":
        config = load_config_file(args.file)
        print(f"{args.file}: valid ({len(config.security_rules)} security rules)")
        return 0
    if args.config:
        source, text = f"file {args.config}", file_text(args.config)
    else:
        source, text = f"ssm {parameter_name()}", parameter_text()
    doc = document(text)
    parse_config(doc)  # refuse to show a document the functions would refuse
    for path, value, origin in sources(doc, source):
        print(f"{path} = {orjson.dumps(value).decode()}  ({origin})")
    return 0


def sources(document: Mapping[str, Any], source: str) -> Iterator[tuple[str, Any, str]]:
    """(dotted path, value, where it came from) for every default setting and every set one."""
    defaults = dict(_leaves(DEFAULT_DOCUMENT))
    given = dict(_leaves(document))
    for path in sorted(defaults.keys() | given.keys()):
        if path in given:
            yield path, given[path], source
        else:
            yield path, defaults[path], "default"


def _leaves(node: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, path + ".")
        else:
            yield path, value
