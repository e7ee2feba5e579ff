"""Onboard Lambda entry point (thin): one new group, or a sweep of every selected group.

Events: an EventBridge rule's CloudTrail `CreateLogGroup` call (`detail.requestParameters.
logGroupName`) onboards that group if the configuration selects it; a scheduled event (or `{}`)
sweeps every selected group, which subscribes the existing ones after a deploy or a configuration
change and catches any CreateLogGroup event that was missed; so does the stack's own
`CloudFormation Stack Status Change` (create or update complete), so a deploy sweeps at once.
Each group that cannot be subscribed is logged as an error and counted in the `OnboardFailures`
metric (the OnboardFailures alarm).
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from ..config import load_config
from ..errors import UnknownEventShape
from ..observability import lambda_entry, logger
from ..sinks.metrics import _document, emit
from .selection import Selection, State, Target
from .subscriber import Outcome, Subscriber


def target_from_environment() -> Target:
    """The stack's destination as the template hands it to this function (read here only: the
    daily report imports the subscriber's listing, and its role has no such variables)."""
    return Target(
        filter_prefix=os.environ.get("SUBSCRIPTION_FILTER_PREFIX", ""),
        destination_arn=os.environ.get("SUBSCRIPTION_DESTINATION_ARN", ""),
        role_arn=os.environ.get("SUBSCRIPTION_ROLE_ARN", ""),
        filter_pattern=os.environ.get("SUBSCRIPTION_FILTER_PATTERN", ""),
    )


def created_group(event: dict[str, Any]) -> str | None:
    """The group a CloudTrail CreateLogGroup event names (None for a failed call)."""
    detail = event.get("detail") or {}
    if detail.get("errorCode"):
        return None
    name = (detail.get("requestParameters") or {}).get("logGroupName")
    if not isinstance(name, str) or not name:
        raise UnknownEventShape("CreateLogGroup event without detail.requestParameters.logGroupName")
    return name


def is_create_event(event: dict[str, Any]) -> bool:
    detail = event.get("detail")
    return isinstance(detail, dict) and detail.get("eventName") == "CreateLogGroup"


# A schedule, or the stack's own create/update completing (the template's rule matches only those).
SWEEP_DETAIL_TYPES = frozenset({"Scheduled Event", "CloudFormation Stack Status Change"})


def is_sweep(event: dict[str, Any]) -> bool:
    return not event or event.get("detail-type") in SWEEP_DETAIL_TYPES


# A sweep makes one DescribeSubscriptionFilters call per selected group; CloudWatch Logs' control
# plane throttles at a few calls a second, so the client slows down instead of failing the run.
LOGS_CLIENT_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 10})


def selection() -> Selection:
    config = load_config()
    return Selection(config.log_groups, config.log_group_prefixes, os.environ.get("OWN_LOG_GROUP_PREFIX", ""))


def report(outcomes: list[Outcome]) -> dict[str, Any]:
    """Log each refusal, emit the counts as EMF, and return the summary."""
    failed = [o.state for o in outcomes if o.state.state is State.FULL]
    for state in failed:
        extra = {"log_group": state.group, "reason": state.reason}
        logger.error("log group cannot be subscribed", extra=extra)
    subscribed = sorted(o.state.group for o in outcomes if o.subscribed_now)
    counts = {
        "OnboardGroups": ("Count", len(outcomes)),
        "OnboardSubscribed": ("Count", len(subscribed)),
        "OnboardFailures": ("Count", len(failed)),
    }
    emit(_document(counts, {}))
    refused = {state.group: state.reason for state in failed}
    summary = {"groups": len(outcomes), "subscribed": subscribed, "failed": refused}
    logger.info("onboarding done", extra=summary)
    return summary


@lambda_entry
def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    if not isinstance(event, dict):
        raise UnknownEventShape(f"onboard event must be an object, got {type(event).__name__}")
    logs = boto3.client("logs", config=LOGS_CLIENT_CONFIG)
    subscriber = Subscriber(logs, selection(), target_from_environment())
    if is_create_event(event):
        group = created_group(event)
        outcomes = [subscriber.onboard(group)] if group and subscriber.selection.selects(group) else []
        return report(outcomes)
    if is_sweep(event):
        return report(subscriber.sweep())
    raise UnknownEventShape(
        f"onboard event is neither a CreateLogGroup call nor a scheduled event: keys {sorted(event)[:10]}"
    )
