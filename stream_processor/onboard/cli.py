"""List the log groups the configuration selects and where each stands with this stack.

For each group matching `LogConfig.AdminLogGroup`/`OperatorLogGroup`/`LogGroups` or a prefix in
`LogConfig.LogGroupPrefixes`: subscribed by this stack (a filter named with the stack's prefix),
not subscribed yet (the Onboard function's next sweep subscribes it), cannot be subscribed (and
why: its subscription filter slots are taken by others), excluded (the stack's own function log
groups), or, for a named group, does not exist yet. Exit status 1 when any group cannot be
subscribed. Nothing is written; an immediate sweep is `aws lambda invoke --function-name
<stack>-onboard`.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter

from ..config import stack_name
from ..config.cli import add_config_option, config_from_args
from .selection import Selection, State, Target
from .subscriber import Subscriber


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        required=True,
        help="list the selected groups and their subscription state (the only action)",
    )
    parser.add_argument(
        "--filter-prefix",
        default=os.environ.get("SUBSCRIPTION_FILTER_PREFIX") or None,
        help="name prefix of the stack's subscription filters (default SUBSCRIPTION_FILTER_PREFIX, "
        "else '<LOGREVIEW_STACK>-')",
    )
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    import boto3

    config = config_from_args(args)
    stack = stack_name()
    selection = Selection(config.log_groups, config.log_group_prefixes, f"/aws/lambda/{stack}-")
    target = Target(args.filter_prefix or f"{stack}-")
    states = Subscriber(boto3.client("logs"), selection, target).check()
    for state in states:
        print(state.line())
    counts = Counter(state.state for state in states)
    print(
        f"{len(states)} groups: "
        + ", ".join(f"{counts[s]} {s.value}" for s in State if counts[s])
        + (f" (prefixes: {', '.join(config.log_group_prefixes)})" if config.log_group_prefixes else "")
    )
    return 1 if counts[State.FULL] else 0
