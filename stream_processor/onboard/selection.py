"""Which log groups are reviewed, and what state each is in with respect to our subscription.

Pure: the names, prefixes and the filters a group already has come in; a decision comes out.
A group counts as subscribed by this stack when one of its filters carries the stack's filter name
prefix (SUBSCRIPTION_FILTER_PREFIX): the two seed groups' template filters (`<stack>-admin`, ...)
and the onboarded ones (`<stack>-onboard`) alike, so a seed group never gets a second filter.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# CloudWatch Logs' quota of subscription filters per log group (PutSubscriptionFilter answers
# LimitExceededException past it). `check` predicts with it; a sweep trusts the service's answer.
MAX_FILTERS = 2
ONBOARD_SUFFIX = "onboard"


class State(enum.Enum):
    """Where a selected group stands (the value is what `logreview onboard --check` prints)."""

    SUBSCRIBED = "subscribed by this stack"
    TO_SUBSCRIBE = "not subscribed yet"
    FULL = "cannot be subscribed"
    EXCLUDED = "excluded"
    MISSING = "does not exist yet"


@dataclass(frozen=True, slots=True)
class Target:
    """Where our filters deliver: the function (Direct) or the stream with its role (Kinesis)."""

    filter_prefix: str
    destination_arn: str = ""
    role_arn: str = ""
    filter_pattern: str = ""

    @property
    def filter_name(self) -> str:
        return f"{self.filter_prefix}{ONBOARD_SUFFIX}"

    def ours(self, filter_name: str) -> bool:
        return bool(self.filter_prefix) and filter_name.startswith(self.filter_prefix)


@dataclass(frozen=True, slots=True)
class Selection:
    """The groups the configuration selects: exact names and name prefixes, minus the stack's own
    function log groups (subscribing those would make the processor process its own output)."""

    names: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    own_prefix: str = ""

    def selects(self, group: str) -> bool:
        return group in self.names or any(group.startswith(p) for p in self.prefixes)

    def own(self, group: str) -> bool:
        return bool(self.own_prefix) and group.startswith(self.own_prefix)


@dataclass(frozen=True, slots=True)
class GroupState:
    """One selected group: its state, why, and the filters it has."""

    group: str
    state: State
    reason: str = ""
    filters: tuple[str, ...] = ()

    def line(self) -> str:
        detail = f": {self.reason}" if self.reason else ""
        return f"{self.group}  {self.state.value}{detail}"


def decide(
    selection: Selection,
    target: Target,
    group: str,
    filters: Sequence[str],
    destinations: Mapping[str, str] | None = None,
) -> GroupState:
    """The state of `group` given the names of the subscription filters it has now (and, when
    known, where each delivers). Our onboard filter delivering elsewhere than the stack does now
    (IngestMode switched: the function and the stream swap) is to be put again, under its name."""
    names = tuple(filters)
    if selection.own(group):
        return GroupState(group, State.EXCLUDED, "the stack's own function log group (it would loop)", names)
    old = (destinations or {}).get(target.filter_name, "")
    if old and target.destination_arn and old != target.destination_arn:
        return GroupState(group, State.TO_SUBSCRIBE, f"filter {target.filter_name} delivers to {old}", names)
    mine = [name for name in names if target.ours(name)]
    if mine:
        return GroupState(group, State.SUBSCRIBED, f"filter {mine[0]}", names)
    if len(names) >= MAX_FILTERS:
        reason = f"it already has {len(names)} subscription filters ({', '.join(names)}); remove one"
        return GroupState(group, State.FULL, reason, names)
    return GroupState(group, State.TO_SUBSCRIBE, "", names)


def missing(names: Iterable[str], found: Iterable[str]) -> list[GroupState]:
    """Named groups that do not exist: picked up by the CreateLogGroup rule once they are created."""
    present = set(found)
    return [GroupState(name, State.MISSING) for name in names if name not in present]
