"""Onboarding: subscribe every log group the configuration selects (names and name prefixes) to the
stack's destination, idempotently, and say which groups cannot be subscribed and why.

`selection` is pure (which groups, what state each is in); `subscriber` does the CloudWatch Logs
calls; `handler` is the Onboard function (a CreateLogGroup event or the scheduled sweep); `cli` is
`logreview onboard --check`.
"""

from __future__ import annotations

from .selection import GroupState, Selection, State, Target, decide

__all__ = ["GroupState", "Selection", "State", "Target", "decide"]
