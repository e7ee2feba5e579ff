"""Workaround 4: IAM enforcement switched on and off, denials recorded, policies spelled as moto
checks them (see the package's docstring).
"""

from __future__ import annotations

import ast
import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import requests

# --------------------------------------------------------------- 4. IAM enforcement

# moto names an action after the request's signing name: CloudWatch signs as "monitoring".
SIGNING_NAMES = {"cloudwatch": "monitoring"}
# Only for these services does moto pass the request's resource ARN to the policy check; for the
# others it checks against "*", which a resource-scoped Allow never matches.
RESOURCES_CHECKED = {"s3", "sqs"}


# ... and Lambda's Invoke after the operation, not the IAM action.
MOTO_ACTIONS = {"lambda:InvokeFunction": "lambda:Invoke"}


def moto_action(action: str) -> str:
    """How moto spells an IAM action when it checks it."""
    service, _, name = action.partition(":")
    return MOTO_ACTIONS.get(action, f"{SIGNING_NAMES.get(service, service)}:{name}")


def moto_policy(document: dict[str, Any]) -> dict[str, Any]:
    """The policy as moto can evaluate it: each action also spelled as moto checks it
    (cloudwatch:X → monitoring:X), and Resource "*" on statements of services whose resources
    moto does not check (tests/deployed/test_least_privilege.py asserts those resources)."""
    statements = []
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        services = {a.split(":")[0] for a in actions}
        spelled = [moto_action(a) for a in actions if moto_action(a) != a]
        moto = {**statement, "Action": actions + spelled}
        if not services & RESOURCES_CHECKED:
            moto["Resource"] = "*"
        statements.append(moto)
    return {**document, "Statement": statements}


DENIED: list[str] = []  # every action moto denied, in order (the code may swallow a denial)


def _recording(original: Callable[[Any], None]) -> Callable[[Any], None]:
    def raise_access_denied(self: Any) -> None:
        DENIED.append(self._action)
        original(self)

    return raise_access_denied


def inline_policy(returned: Any) -> dict[str, Any]:
    """GetRolePolicy's document: moto returns a role's CloudFormation-made policy as Python repr,
    and keeps a statement that `!If [cond, ..., !Ref AWS::NoValue]` removed as a null."""
    if isinstance(returned, dict):
        document = returned
    else:
        try:
            document = dict(json.loads(returned))
        except json.JSONDecodeError:
            document = dict(ast.literal_eval(returned))
    return {**document, "Statement": [s for s in document["Statement"] if s]}


@contextlib.contextmanager
def iam_enforced(endpoint: str) -> Iterator[None]:
    """moto checks every request against IAM from the next one on, until the block ends.

    moto reads INITIAL_NO_AUTH_ACTION_COUNT into `moto.settings` once, at import; the server runs
    in this process and was imported long before, so the environment variable cannot switch it.
    The server's own endpoint (`/moto-api/reset-auth`, what moto's `set_initial_no_auth_action_count`
    uses in server mode) sets it to 0 and back to infinity. It is process-wide: these tests run
    one at a time and nothing else talks to the server meanwhile.
    """

    def reset(count: str) -> None:
        response = requests.post(f"{endpoint}/moto-api/reset-auth", data=count.encode(), timeout=10)
        response.raise_for_status()

    reset("0")
    try:
        yield
    finally:
        reset("inf")
