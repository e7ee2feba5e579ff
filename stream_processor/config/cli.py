"""Check a configuration document before it goes live, show the settings in force, or create the
team's own rules document.

  logreview config validate FILE     FILE is the stack's document (with LogConfig) or a user rules
                                     document (SecurityRules / Redaction only); exit 2 naming the key
  logreview config show [--config FILE]
                                     every setting with its value and where it came from
  logreview config init-rules        create the user rules parameter (USER_RULES_PARAMETER, default
                                     /logreview/<stack>/user-rules) when it does not exist yet

The parameter names follow the stack (`LOGREVIEW_STACK`, default `logreview`, as in samconfig.toml):
/logreview/<stack>/config and /logreview/<stack>/user-rules; CONFIG_PARAMETER and
USER_RULES_PARAMETER override them (a stack deployed with ConfigParameterName/UserRulesParameterName).

The stack owns CONFIG_PARAMETER and rewrites it on every deploy. Rules and redaction patterns a
team adds go into the user rules parameter, which the stack never writes; the functions merge
it in within the 5-minute cache period, without a deploy.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from ..errors import ConfigError
from .document import (
    DEFAULT_DOCUMENT,
    USER_SECTIONS,
    Config,
    default_config_json,
    document,
    file_text,
    load_config,
    load_config_file,
    parameter_name,
    parameter_text,
    parse_config,
    user_parameter_name,
    user_rules_text,
    with_user_rules,
)

EMPTY_USER_DOCUMENT: dict[str, Any] = {"SecurityRules": {}, "Redaction": {"ExtraPatterns": []}}


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """`--config FILE`: use a local JSON document instead of the SSM parameter."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="JSON config document to use instead of the SSM parameter (CONFIG_PARAMETER)",
    )


def config_from_args(args: argparse.Namespace) -> Config:
    """The config named by `--config FILE`, else the SSM parameters' (stack + user rules)."""
    path = getattr(args, "config", None)
    return load_config_file(path) if path else load_config()


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = sub.add_parser("validate", help="check a JSON document; exit 2 naming the bad key")
    check.add_argument("file", help="the stack's config document, or a user rules document")
    show = sub.add_parser("show", help="print the settings in force, each with its source")
    add_config_option(show)
    sub.add_parser("init-rules", help="create the user rules parameter if it does not exist")


def run(args: argparse.Namespace) -> int:
    if args.action == "validate":
        return _validate(args.file)
    if args.action == "init-rules":
        return _init_rules()
    if args.config:
        doc, sources = document(file_text(args.config)), {"": f"file {args.config}"}
    else:
        doc = document(parameter_text())
        sources = {"": f"ssm {parameter_name()}", "user": f"ssm {user_parameter_name()}"}
    user_text = "" if args.config else user_rules_text()
    parse_config(with_user_rules(doc, user_text))  # refuse to show what the functions would refuse
    user = document(user_text) if user_text.strip() else {}
    for path, value, origin in settings(doc, user, sources):
        print(f"{path} = {orjson.dumps(value).decode()}  ({origin})")
    return 0


def _validate(path: str) -> int:
    doc = document(file_text(path))
    if isinstance(doc, Mapping) and "LogConfig" not in doc and set(doc) <= USER_SECTIONS:
        config = parse_config(with_user_rules(document(default_config_json()), file_text(path), path))
        print(f"{path}: valid user rules document ({len(config.security_rules)} security rules in force)")
        return 0
    config = parse_config(doc)
    print(f"{path}: valid ({len(config.security_rules)} security rules)")
    return 0


def _init_rules() -> int:
    import boto3

    name = user_parameter_name()
    if not name:
        raise ConfigError("USER_RULES_PARAMETER is empty: user rules are switched off")
    client = boto3.client("ssm")
    try:
        client.put_parameter(
            Name=name,
            Type="String",
            Overwrite=False,
            Value=orjson.dumps(EMPTY_USER_DOCUMENT, option=orjson.OPT_INDENT_2).decode(),
            Description="logreview: a team's own security rules and redaction patterns (no deploy writes it)",
        )
    except client.exceptions.ParameterAlreadyExists:
        print(f"{name}: exists, left unchanged")
        return 0
    print(f"{name}: created (edit it, or 'aws ssm put-parameter --overwrite', to add rules)")
    return 0


def settings(
    doc: Mapping[str, Any], user: Mapping[str, Any], sources: Mapping[str, str]
) -> Iterator[tuple[str, Any, str]]:
    """(dotted path, value, where it came from) for every default, stack and user setting."""
    defaults = dict(_leaves(DEFAULT_DOCUMENT))
    given = dict(_leaves(doc))
    for path in sorted(defaults.keys() | given.keys()):
        if path in given:
            yield path, given[path], sources[""]
        else:
            yield path, defaults[path], "default"
    for path, value in sorted(_leaves(user)):
        yield path, value, sources.get("user", "user rules")


def _leaves(node: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, path + ".")
        else:
            yield path, value
