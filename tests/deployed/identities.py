"""The roles of template.yaml's functions, IAM users standing in for them, and what a denial names."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .conftest import Fed
from .stack import Stack, sam_template

Scenario = Callable[[Fed], None]

# The API operations through which a denied IAM action shows (S3's AccessDenied names no action).
OPERATIONS = {
    "s3:GetObject": ("GetObject", "HeadObject"),
    "s3:ListBucket": ("ListObjectsV2", "ListObjects"),
    "lambda:InvokeFunction": ("Invoke",),
}


@dataclass(frozen=True)
class RoleUnderTest:
    """A function of the template and the role it runs as."""

    role: str  # logical id of the AWS::IAM::Role
    function: str  # logical id of the function
    handler: str
    sids: tuple[str, ...]


def roles_in_template() -> list[RoleUnderTest]:
    """Every function whose Role is a role of this template, with its inline statements' Sids."""
    resources = sam_template()["Resources"]
    found = []
    for name, resource in resources.items():
        if resource["Type"] not in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            continue
        role = resource["Properties"].get("Role", {}).get("Fn::GetAtt", [None])[0]
        if role in resources:
            statements = [
                s for p in resources[role]["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]
            ]
            assert all("Sid" in s for s in statements), f"{role}: give every statement a Sid"
            sids = tuple(s["Sid"] for s in statements)
            found.append(RoleUnderTest(role, name, resource["Properties"]["Handler"], sids))
    return found


@dataclass(frozen=True)
class Identity:
    key: str
    secret: str


def make_identity(stack: Stack, document: dict[str, Any]) -> Identity:
    """A new IAM user with exactly `document` as its only policy, and its access key."""
    iam = stack.client("iam")
    name = f"role-under-test-{uuid.uuid4().hex[:10]}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="role", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Identity(key["AccessKeyId"], key["SecretAccessKey"])


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def is_denied(exc: ClientError) -> bool:
    """AccessDenied, whatever the protocol (botocore reads SQS's and SSM's XML denial as code 403)."""
    # S3's HEAD answers carry no body: a bare 403
    return exc.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException", "403") or (
        "<Code>AccessDenied</Code>" in str(exc)
    )


def denial(exc: BaseException, statement: dict[str, Any]) -> bool:
    """Did `exc` (or what caused it) come from AWS denying one of the statement's actions?"""
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    for cause in _chain(exc):
        text = str(cause)
        if isinstance(cause, ClientError):
            if not is_denied(cause):
                continue
            operation = cause.operation_name
            for action in actions:
                if operation in OPERATIONS.get(action, (action.split(":")[1],)) or action in text:
                    return True
        elif "AccessDenied" in text and any(a.split(":")[1] in text for a in actions):
            return True  # a denial the code reported rather than raised (the scenario's AssertionError)
    return False
