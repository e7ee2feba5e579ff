"""Least privilege, proven by running each function's code as a user holding exactly its role's policy.

moto enforces IAM while `iam_enforced` is active (actions for every service; resource ARNs only
for S3 and SQS; Conditions never). For each role of a deployed function:

- the handler's scenario succeeds under the role's inline policy as deployed (ARNs resolved);
- without any one statement the code uses, the scenario fails with an AccessDenied on one of
  that statement's actions (one named test per statement);
- calls the role must not make are denied;
- statements the Lambda service uses for the function, rather than its code, are EXEMPT below;
- what moto cannot check (SSM, SNS, KMS and CloudWatch resources, the namespace condition) is
  asserted on the deployed policy in `test_resources_moto_cannot_check`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import list_keys

from .conftest import Fed, fed_once
from .emulator import (
    DENIED,
    ROLE_KEYS,
    cold_start,
    function_environment,
    iam_enforced,
    inline_policy,
    moto_action,
    moto_policy,
)
from .identities import Identity, RoleUnderTest, Scenario, denial, is_denied, make_identity, roles_in_template
from .scenarios import ELSEWHERE, FORBIDDEN, PREPARE, SCENARIOS, overlapping_bundles

# (role, Sid) → why the code never makes these calls: the Lambda service does, for the function.
EXEMPT = {
    (
        "StreamProcessorRole",
        "OwnLogGroup",
    ): "Lambda writes the function's stdout (logs, EMF) to its log group",
    ("StreamProcessorRole", "OnFailureDestination"): "Lambda sends failed asynchronous events to the queue",
    ("StreamProcessorRole", "ConsumeReplayQueue"): "the event source mapping polls and deletes messages",
    ("StreamProcessorRole", "ReadTheLogStream"): "Kinesis mode: the event source mapping reads the stream",
    ("DailyReportRole", "OwnLogGroup"): "Lambda writes the function's stdout (logs) to its log group",
    ("DailyReportRole", "OnFailureDestination"): "Lambda sends failed asynchronous events to the queue",
    ("StreamProcessorRole", "WriteTraces"): "Lambda's X-Ray daemon sends the segments (Tracing: Active)",
    ("DailyReportRole", "WriteTraces"): "Lambda's X-Ray daemon sends the segments (Tracing: Active)",
    ("RollupRole", "OwnLogGroup"): "Lambda writes the function's stdout (logs, EMF) to its log group",
    ("RollupRole", "WriteTraces"): "Lambda's X-Ray daemon sends the segments (Tracing: Active)",
    ("RollupRole", "OnFailureDestination"): "Lambda sends failed asynchronous events to the queue",
    ("StreamProcessorRole", "EncryptForAlertTopic"): (
        "SNS calls KMS with the publisher's permissions to encrypt the message for the topic; moto's SNS "
        "does not encrypt, and the key ARN is asserted in test_resources_moto_cannot_check"
    ),
    ("EvidenceRole", "OwnLogGroup"): "Lambda writes the function's stdout (logs) to its log group",
    ("EvidenceRole", "WriteTraces"): "Lambda's X-Ray daemon sends the segments (Tracing: Active)",
    ("EvidenceRole", "OnFailureDestination"): "Lambda sends failed asynchronous events to the queue",
    ("OnboardRole", "OwnLogGroup"): "Lambda writes the function's stdout (logs, EMF) to its log group",
    ("OnboardRole", "WriteTraces"): "Lambda's X-Ray daemon sends the segments (Tracing: Active)",
    ("OnboardRole", "OnFailureDestination"): "Lambda sends failed asynchronous events to the queue",
    ("OnboardRole", "PassTheStreamRole"): (
        "Kinesis mode only, and this suite runs the default (Direct) stack; moto does not check "
        "iam:PassRole on PutSubscriptionFilter. "
        "tests/unit/template/test_template_onboard.py asserts the statement"
    ),
    **{
        (role, sid): (
            "ObjectLockMode=NONE in the deployed stack, and moto authorizes a PutObject with Object Lock "
            "headers as s3:PutObject alone; tests/unit/template/test_template.py asserts these statements"
        )
        for role, sid in (
            ("StreamProcessorRole", "RetainArchive"),
            ("DailyReportRole", "RetainReports"),
            ("EvidenceRole", "RetainDigest"),
        )
    },
    ("DailyReportRole", "EncryptForAlertTopic"): (
        "SNS calls KMS with the publisher's permissions to encrypt the message for the topic; moto's SNS "
        "does not encrypt, and the key ARN is asserted in test_resources_moto_cannot_check"
    ),
}

# Actions AWS authorizes only on Resource "*" (no resource-level permissions).
ONLY_STAR = {
    "cloudwatch:PutMetricData",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "logs:GetQueryResults",
    "logs:StopQuery",
}

ROLES = roles_in_template()
USED = [(r.role, sid) for r in ROLES for sid in r.sids if (r.role, sid) not in EXEMPT]


@dataclass
class Deployed:
    fed: Fed
    endpoint: str
    policies: dict[str, dict[str, Any]]  # role logical id → its inline policy as deployed
    environments: dict[str, dict[str, str]]  # role logical id → its function's environment


@pytest.fixture(scope="module")
def deployed(moto_endpoint: str) -> Iterator[Deployed]:
    fed = fed_once(0)  # the deployment with every default, shared with test_stack.py
    iam, lam = fed.stack.client("iam"), fed.stack.client("lambda")
    policies, environments = {}, {}
    for role in ROLES:
        name = fed.stack.physical[role.role]
        (policy_name,) = iam.list_role_policies(RoleName=name)["PolicyNames"]
        returned = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
        policies[role.role] = inline_policy(returned)
        config = lam.get_function_configuration(FunctionName=fed.stack.physical[role.function])
        environments[role.role] = config["Environment"]["Variables"]
    for role in ROLES:  # functions the code invokes (DailyReport → Rollup) run as their own role
        identity = make_identity(fed.stack, moto_policy(policies[role.role]))
        arn = iam.get_role(RoleName=fed.stack.physical[role.role])["Role"]["Arn"]
        ROLE_KEYS[arn] = (identity.key, identity.secret)
    seed_overlapping_bundles(fed, environments["StreamProcessorRole"])
    fed.stack.client("s3").create_bucket(
        Bucket=ELSEWHERE, CreateBucketConfiguration={"LocationConstraint": fed.stack.region}
    )
    yield Deployed(fed, moto_endpoint, policies, environments)
    ROLE_KEYS.clear()


def seed_overlapping_bundles(fed: Fed, environment: dict[str, str]) -> None:
    """The processor's code (as the deployer, in its environment) writes the rollup scenario's
    overlapping bundles; called directly so the stack tests' invocation log stays the test day's."""
    from stream_processor.handler import lambda_handler

    region = {"AWS_DEFAULT_REGION": fed.stack.region, "AWS_REGION": fed.stack.region}
    with function_environment({**environment, **region}):
        cold_start()
        try:
            for event in overlapping_bundles(fed.groups["AdminLogGroup"]):
                assert lambda_handler(event, None)["processed"] == 2
        finally:
            cold_start()


@contextlib.contextmanager
def acting_as(deployed: Deployed, role: str, identity: Identity) -> Iterator[None]:
    """The function's environment with the identity's keys, caches emptied, IAM enforced."""
    variables = {
        **deployed.environments[role],
        "AWS_ACCESS_KEY_ID": identity.key,
        "AWS_SECRET_ACCESS_KEY": identity.secret,
        "AWS_DEFAULT_REGION": deployed.fed.stack.region,
        "AWS_REGION": deployed.fed.stack.region,
    }
    with function_environment(variables):
        cold_start()  # no client, provider or cache may keep the previous identity's credentials
        try:
            with iam_enforced(deployed.endpoint):
                yield
        finally:
            cold_start()


def _run(deployed: Deployed, role: RoleUnderTest, document: dict[str, Any]) -> list[str]:
    """Run the role's scenario under `document`; the actions moto denied meanwhile."""
    identity = make_identity(deployed.fed.stack, moto_policy(document))
    scenario: Scenario = SCENARIOS[role.handler]
    undo = PREPARE[role.handler](deployed.fed) if role.handler in PREPARE else None
    DENIED.clear()
    try:
        with acting_as(deployed, role.role, identity):
            scenario(deployed.fed)
    finally:
        denied = list(DENIED)
        if undo:
            undo()
    return denied


def _without(document: dict[str, Any], sid: str) -> dict[str, Any]:
    kept = [s for s in document["Statement"] if s.get("Sid") != sid]
    assert len(kept) == len(document["Statement"]) - 1, f"no statement {sid}"
    return {**document, "Statement": kept}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.role)
def test_code_runs_under_exactly_its_role(deployed: Deployed, role: RoleUnderTest) -> None:
    assert role.handler in SCENARIOS, f"add a scenario for {role.handler} to tests/deployed/scenarios.py"
    assert _run(deployed, role, deployed.policies[role.role]) == [], "denied although the role allows"


@pytest.mark.parametrize(("role_id", "sid"), USED, ids=[f"{r}-{s}" for r, s in USED])
def test_each_statement_is_needed(deployed: Deployed, role_id: str, sid: str) -> None:
    (role,) = [r for r in ROLES if r.role == role_id]
    statement = next(s for s in deployed.policies[role_id]["Statement"] if s.get("Sid") == sid)
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    names = {a.split(":")[1] for a in actions} | {moto_action(a).split(":")[1] for a in actions}
    DENIED.clear()
    try:
        _run(deployed, role, _without(deployed.policies[role_id], sid))
    except Exception as exc:
        assert denial(exc, statement), f"{sid}: failed, but not for want of it: {exc!r}"
        return
    # the code went on (it reports some failures instead of raising): the server still denied
    assert {d.split(":")[1] for d in DENIED} & names, f"{sid}: nothing needed it (denied: {DENIED})"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.role)
def test_forbidden_calls_are_denied(deployed: Deployed, role: RoleUnderTest) -> None:
    calls: list[tuple[str, Callable[[Fed], Any]]] = FORBIDDEN.get(role.role, [])
    assert calls, f"list what {role.role} must not do in tests/deployed/scenarios.py FORBIDDEN"
    identity = make_identity(deployed.fed.stack, moto_policy(deployed.policies[role.role]))
    allowed = []
    with acting_as(deployed, role.role, identity):
        for name, forbidden in calls:
            try:
                forbidden(deployed.fed)
                allowed.append(name)
            except ClientError as exc:
                assert is_denied(exc), (name, exc)
    assert allowed == []


def test_exemptions_name_real_statements() -> None:
    known = {(r.role, sid) for r in ROLES for sid in r.sids}
    assert set(EXEMPT) <= known


def test_resources_moto_cannot_check(deployed: Deployed) -> None:
    """moto checks no resource for SSM, SNS, KMS or CloudWatch and no condition: assert them here."""
    stack = deployed.fed.stack
    parameter = stack.physical["ConfigParameter"]
    rules = stack.parameters.get("UserRulesParameterName") or f"/logreview/{stack.name}/user-rules"
    topic = stack.physical["AlertTopic"]
    keys = {
        name: stack.client("kms").describe_key(KeyId=stack.physical[name])["KeyMetadata"]["Arn"]
        for name in ("AlertKey", "EvidenceKey")
    }
    for role, document in deployed.policies.items():
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            services = {a.split(":")[0] for a in actions}
            if "ssm" in services:
                arn = f"arn:aws:ssm:{stack.region}:123456789012:parameter"
                # the config document, then the user rules parameter (never written by the stack)
                assert resources == [f"{arn}{parameter}", f"{arn}{rules}"], role
            if "sns" in services:
                assert resources == [topic], role
            if "kms" in services:  # the alert topic's key to publish, the signing key to sign
                assert resources == [keys["EvidenceKey" if actions == ["kms:Sign"] else "AlertKey"]], role
            if "cloudwatch:PutMetricData" in actions:
                assert actions == ["cloudwatch:PutMetricData"], role
                namespace = {"StringEquals": {"cloudwatch:namespace": "LogProcessor"}}
                assert statement["Condition"] == namespace, role
            if "*" in resources:
                assert set(actions) <= ONLY_STAR, (role, statement.get("Sid"))


def test_scenarios_leave_their_traces(deployed: Deployed) -> None:
    """The scenarios really ran against the deployed bucket (not a no-op that cannot be denied)."""
    keys = list_keys(deployed.fed.stack.client("s3"), deployed.fed.stack.physical["ReportBucket"])
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert any(k.startswith(f"quarantine/dt={today}/") for k in keys)
    assert any(k.startswith(f"alerts/dt={today}/") for k in keys)  # the scenario's own detections
    assert any(k.startswith(f"reports/{deployed.fed.day.replace('-', '/')}/") for k in keys)
    assert any(k.startswith(f"rollups/dt={deployed.fed.day}/") for k in keys)
