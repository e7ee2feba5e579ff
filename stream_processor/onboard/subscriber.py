"""The CloudWatch Logs side of onboarding: list the selected groups, read their filters, subscribe.

Subscribing is idempotent: a group that already has a filter with the stack's prefix is left alone,
and PutSubscriptionFilter with the same filter name replaces rather than adds. A group the service
refuses (LimitExceededException: its filter slots are taken; the group deleted meanwhile; a bad
parameter) is returned as FULL with the service's words, never raised: one such group must not stop
the others. Throttling and access errors raise (botocore retried them; Lambda retries the event).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import ClientError

from .selection import GroupState, Selection, State, Target, decide, missing

# Refusals about one group; anything else (throttling, AccessDenied) is about the whole run.
PER_GROUP_ERRORS = frozenset(
    {"LimitExceededException", "ResourceNotFoundException", "InvalidParameterException"}
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A group after a sweep or an event: its state, and whether this run subscribed it."""

    state: GroupState
    subscribed_now: bool = False


def prefixed_groups(logs: Any, prefixes: Iterable[str]) -> set[str]:
    """Every existing group whose name starts with one of `prefixes` (DescribeLogGroups, paginated)."""
    found: set[str] = set()
    for prefix in prefixes:
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
            found.update(group["logGroupName"] for group in page.get("logGroups", []))
    return found


class Subscriber:
    """Onboards the groups of one Selection to one Target through a `logs` client."""

    def __init__(self, logs: Any, selection: Selection, target: Target) -> None:
        self.logs = logs
        self.selection = selection
        self.target = target

    def groups(self) -> Iterator[str]:
        """Every existing group the selection names or prefixes, each once, in name order."""
        seen = {name for name in self.selection.names if self._exists(name)}
        yield from sorted(seen | prefixed_groups(self.logs, self.selection.prefixes))

    def _exists(self, name: str) -> bool:
        page = self.logs.describe_log_groups(logGroupNamePrefix=name, limit=50)
        return any(group["logGroupName"] == name for group in page.get("logGroups", []))

    def state(self, group: str) -> GroupState:
        response = self.logs.describe_subscription_filters(logGroupName=group)
        found = response.get("subscriptionFilters", [])
        destinations = {f["filterName"]: f.get("destinationArn", "") for f in found}
        return decide(self.selection, self.target, group, list(destinations), destinations)

    def check(self) -> list[GroupState]:
        """The state of every selected group, named ones that do not exist included (no writes)."""
        found = list(self.groups())
        return sorted([*map(self.state, found), *missing(self.selection.names, found)], key=lambda s: s.group)

    def onboard(self, group: str) -> Outcome:
        """Subscribe `group` if it is selected and not subscribed yet."""
        current = self.state(group)
        if current.state is not State.TO_SUBSCRIBE:
            return Outcome(current)
        arguments: dict[str, Any] = {
            "logGroupName": group,
            "filterName": self.target.filter_name,
            "filterPattern": self.target.filter_pattern,
            "destinationArn": self.target.destination_arn,
        }
        if self.target.role_arn:  # Kinesis: CloudWatch Logs assumes the stack's role to put records
            arguments.update(roleArn=self.target.role_arn, distribution="Random")
        try:
            self.logs.put_subscription_filter(**arguments)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") not in PER_GROUP_ERRORS:
                raise
            reason = f"{error.get('Code')}: {error.get('Message', '')}".strip()
            if error.get("Code") == "LimitExceededException":
                reason += f" (its filters: {', '.join(current.filters) or 'none listed'}; remove one)"
            return Outcome(replace(current, state=State.FULL, reason=reason))
        done = replace(current, state=State.SUBSCRIBED, reason=f"filter {self.target.filter_name}")
        return Outcome(done, subscribed_now=True)

    def sweep(self) -> list[Outcome]:
        """Onboard every selected group that exists (the scheduled run)."""
        return [self.onboard(group) for group in self.groups()]
