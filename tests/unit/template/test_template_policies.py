"""Every resource policy in template.yaml against the resources that actually use it.

moto ignores resource-policy conditions, so a sender missing from a queue policy (the weekly
schedule's dead letters were) only shows in a real account, as silently dropped messages. Here,
for each deployment shape (conditions evaluated for the parameters), every rule, alarm,
subscription and destination that sends to a queue, topic, key or function must be allowed by
that resource's policy, under the same principal, source ARN and account, and nothing else is.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import load

from tests.unit.template.test_template import (
    PSEUDO,
    TEMPLATE_PATH,
    as_list,
    defaults,
    of_type,
    resolve,
    statements,
)
from tests.unit.template.test_template_modes import _joined, render

ACCOUNTS = ["111111111111", "222222222222"]
ORGANIZATION = "o-a1b2c3d4e5"
SHAPES = {
    "defaults": {},
    "weekly": {"WeeklyReport": "Enabled"},
    "kinesis": {"IngestMode": "Kinesis"},
    "everything": {
        "IngestMode": "Kinesis",
        "SourceAccountIds": ACCOUNTS,
        "WeeklyReport": "Enabled",
        "AlertEmail": "ops@example.com",
        "SecurityHubImport": "Enabled",
        "ProcessorReservedConcurrency": 5,
    },
    "onboarding": {"ExtraLogGroupNames": ["/app/api"], "LogGroupPrefixes": ["/team/", "/aws/ecs/"]},
    "organization": {
        "IngestMode": "Kinesis",
        "SourceAccountIds": ACCOUNTS,
        "SourceOrganizationId": ORGANIZATION,
        "LogGroupPrefixes": ["/team/"],
    },
}
REGION, ACCOUNT = PSEUDO["AWS::Region"], PSEUDO["AWS::AccountId"]


def deployment(shape: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(resources that exist, with `Fn::If` chosen; values to resolve their intrinsics with)."""
    resources, parameters = render(**SHAPES[shape])
    values = {**defaults(dict(load(str(TEMPLATE_PATH)))), **parameters, **PSEUDO}
    return resources, values


def ref(node: Any) -> str | None:
    """The logical id a `Ref` or `Fn::GetAtt` points at, else None."""
    if isinstance(node, dict) and "Ref" in node:
        return str(node["Ref"])
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        return str(node["Fn::GetAtt"][0])
    return None


def allows(resources: dict[str, Any], policy_type: str, target: str) -> list[dict[str, Any]]:
    """The Allow statements of the policies of `policy_type` attached to `target`."""
    found = []
    for policy in of_type(resources, policy_type).values():
        props = policy["Properties"]
        attached = [ref(x) for x in as_list(props.get("Queues", props.get("Topics", props.get("Bucket"))))]
        if target in attached:
            found += [s for s in statements(props["PolicyDocument"]) if s["Effect"] == "Allow"]
    return found


def alarm_arn(alarm: dict[str, Any], values: dict[str, Any]) -> str:
    name = resolve(alarm["Properties"]["AlarmName"], values)
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def matches(statement: dict[str, Any], context: dict[str, str], values: dict[str, Any]) -> bool:
    """Whether the statement's conditions hold for a request with these context keys."""
    for operator, pairs in statement.get("Condition", {}).items():
        for key, expected in pairs.items():
            wanted = [str(resolve(v, values)) for v in as_list(expected)]
            actual = context.get(key)
            if actual is None:
                return False
            if operator in ("ArnEquals", "StringEquals") and actual not in wanted:
                return False
            if operator in ("ArnLike", "StringLike") and not any(
                fnmatch.fnmatchcase(actual, w) for w in wanted
            ):
                return False
            if operator not in ("ArnEquals", "StringEquals", "ArnLike", "StringLike"):
                raise AssertionError(f"condition operator {operator} is not understood here")
    return True


def allowed_for(
    statements_: list[dict[str, Any]],
    service: str,
    action: str,
    context: dict[str, str],
    values: dict[str, Any],
) -> bool:
    return any(
        s["Principal"] == {"Service": service}
        and action in as_list(s["Action"])
        and matches(s, context, values)
        for s in statements_
    )


# ------------------------------------------------------------------ SQS


def dead_letter_senders(resources: dict[str, Any], queue: str) -> set[str]:
    """The EventBridge rules whose targets dead-letter into `queue` (as `<Rule.Arn>`)."""
    return {
        f"<{name}.Arn>"
        for name, rule in of_type(resources, "AWS::Events::Rule").items()
        for target in rule["Properties"]["Targets"]
        if ref(target.get("DeadLetterConfig", {}).get("Arn")) == queue
    }


@pytest.mark.parametrize("shape", SHAPES)
def test_every_schedule_that_dead_letters_to_a_queue_is_allowed_and_no_other(shape: str) -> None:
    resources, values = deployment(shape)
    for queue in of_type(resources, "AWS::SQS::Queue"):
        senders = dead_letter_senders(resources, queue)
        granted = allows(resources, "AWS::SQS::QueuePolicy", queue)
        sources: set[str] = set()
        for statement in granted:
            assert statement["Principal"] == {"Service": "events.amazonaws.com"}, (queue, statement)
            assert as_list(statement["Action"]) == ["sqs:SendMessage"]
            assert ref(statement["Resource"]) == queue
            sources |= {
                str(resolve(a, values)) for a in as_list(statement["Condition"]["ArnEquals"]["aws:SourceArn"])
            }
        assert sources == senders, f"{shape}: {queue} allows {sorted(sources)}, used by {sorted(senders)}"
        for sender in senders:
            assert allowed_for(
                granted, "events.amazonaws.com", "sqs:SendMessage", {"aws:SourceArn": sender}, values
            )


def test_the_weekly_schedule_was_the_missing_sender() -> None:
    """The case issue 21.2 found: weekly dead letters need the queue policy too."""
    resources, values = deployment("weekly")
    assert "<WeeklyReportSchedule.Arn>" in dead_letter_senders(resources, "FailureQueue")
    granted = allows(resources, "AWS::SQS::QueuePolicy", "FailureQueue")
    context = {"aws:SourceArn": "<WeeklyReportSchedule.Arn>"}
    assert allowed_for(granted, "events.amazonaws.com", "sqs:SendMessage", context, values)
    off, _ = deployment("defaults")
    assert "WeeklyReportSchedule" not in off  # and its ARN is then not in the policy (checked above)


# ------------------------------------------------------------ SNS and KMS


@pytest.mark.parametrize("shape", SHAPES)
def test_every_alarm_that_notifies_the_topic_may_publish_and_use_its_key(shape: str) -> None:
    resources, values = deployment(shape)
    topic_statements = allows(resources, "AWS::SNS::TopicPolicy", "AlertTopic")
    key_policy = resources["AlertKey"]["Properties"]["KeyPolicy"]
    key_statements = [s for s in statements(key_policy) if s["Effect"] == "Allow"]
    topic = resources["AlertTopic"]["Properties"]
    assert ref(topic["KmsMasterKeyId"]) == "AlertKey"
    notifying = [
        alarm
        for alarm in of_type(resources, "AWS::CloudWatch::Alarm").values()
        for action in ("AlarmActions", "OKActions", "InsufficientDataActions")
        if "AlertTopic" in [ref(a) for a in alarm["Properties"].get(action, [])]
    ]
    assert notifying
    for alarm in notifying:
        context = {"aws:SourceArn": alarm_arn(alarm, values), "aws:SourceAccount": ACCOUNT}
        assert allowed_for(topic_statements, "cloudwatch.amazonaws.com", "sns:Publish", context, values), (
            context
        )
        for action in ("kms:Decrypt", "kms:GenerateDataKey*"):
            assert allowed_for(key_statements, "cloudwatch.amazonaws.com", action, context, values), context
    # Nothing else: no other principal on the topic, and the key's only other grant is the
    # account's own IAM delegation.
    assert {json.dumps(s["Principal"]) for s in topic_statements} == {
        '{"Service": "cloudwatch.amazonaws.com"}'
    }
    others = [s for s in key_statements if s["Principal"] != {"Service": "cloudwatch.amazonaws.com"}]
    (root,) = others
    assert resolve(root["Principal"]["AWS"], values) == f"arn:aws:iam::{ACCOUNT}:root"
    stranger = {
        "aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:other-stack-X",
        "aws:SourceAccount": ACCOUNT,
    }
    assert not allowed_for(topic_statements, "cloudwatch.amazonaws.com", "sns:Publish", stranger, values)
    foreign = {"aws:SourceArn": alarm_arn(notifying[0], values), "aws:SourceAccount": "999999999999"}
    assert not allowed_for(topic_statements, "cloudwatch.amazonaws.com", "sns:Publish", foreign, values)


# ------------------------------------------------------------------ Lambda


def invocations(resources: dict[str, Any], values: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(function, service principal, source ARN) of every push invocation the template sets up."""
    found = set()
    for name, rule in of_type(resources, "AWS::Events::Rule").items():
        for target in rule["Properties"]["Targets"]:
            if ref(target["Arn"]) in resources and resources[ref(target["Arn"])]["Type"].endswith("Function"):
                found.add((str(ref(target["Arn"])), "events.amazonaws.com", f"<{name}.Arn>"))
    for sub in of_type(resources, "AWS::Logs::SubscriptionFilter").values():
        props = sub["Properties"]
        destination = ref(props["DestinationArn"])
        if destination in resources and resources[destination]["Type"].endswith("Function"):
            found.add((destination, "logs.amazonaws.com", f"<{ref(props['LogGroupName'])}.Arn>"))
    # The Onboard function subscribes groups unknown at deploy time (any of this account and region)
    # to its SUBSCRIPTION_DESTINATION_ARN; only selected groups (names, prefixes) beyond the seeds.
    onboard = resources["OnboardFunction"]["Properties"]["Environment"]["Variables"]
    destination = ref(onboard["SUBSCRIPTION_DESTINATION_ARN"])
    selects = any(x for name in ("ExtraLogGroupNames", "LogGroupPrefixes") for x in as_list(values[name]))
    if selects and destination in resources and resources[destination]["Type"].endswith("Function"):
        found.add((destination, "logs.amazonaws.com", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"))
    return found


@pytest.mark.parametrize("shape", SHAPES)
def test_every_push_invocation_has_its_permission_and_no_other_exists(shape: str) -> None:
    resources, values = deployment(shape)
    permissions = set()
    for permission in of_type(resources, "AWS::Lambda::Permission").values():
        props = permission["Properties"]
        assert props["Action"] == "lambda:InvokeFunction"
        assert resolve(props["SourceAccount"], values) == ACCOUNT  # never another account's resource
        permissions.add(
            (str(ref(props["FunctionName"])), props["Principal"], str(resolve(props["SourceArn"], values)))
        )
    assert permissions == invocations(resources, values)


# -------------------------------------------------------------- S3 bucket


def test_the_bucket_policy_only_denies() -> None:
    """Nothing outside the account's IAM gets in; every deny holds for every principal."""
    resources, _ = deployment("everything")
    (policy,) = of_type(resources, "AWS::S3::BucketPolicy").values()
    found = statements(policy["Properties"]["PolicyDocument"])
    assert found and all(s["Effect"] == "Deny" and s["Principal"] == "*" for s in found)
    conditions = {json.dumps(s["Condition"], sort_keys=True) for s in found}
    assert conditions == {
        '{"Bool": {"aws:SecureTransport": "false"}}',
        '{"NumericLessThan": {"s3:TlsVersion": "1.2"}}',
        '{"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}',
    }
    # No destination of the template writes into the bucket as a service (Lambda's S3 on-failure
    # records would be denied by DenyPutWithoutAES256): every writer is a function role.
    buckets = set(of_type(resources, "AWS::S3::Bucket"))
    for name, resource in resources.items():
        for config in ("DestinationConfig",):
            destination = (
                resource.get("Properties", {}).get(config, {}).get("OnFailure", {}).get("Destination")
            )
            assert ref(destination) not in buckets, name


# ------------------------------------------------ CloudWatch Logs destination


def test_the_logs_destination_lets_exactly_the_source_accounts_subscribe() -> None:
    resources, values = deployment("everything")
    props = resources["LogsDestination"]["Properties"]
    policy = json.loads(
        "".join(_joined(part, ACCOUNTS) for part in props["DestinationPolicy"]["Fn::Join"][1])
    )
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow" and statement["Principal"] == {"AWS": ACCOUNTS}
    name = resolve(props["DestinationName"], values)
    assert statement["Resource"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:destination:{name}"
    assert "Condition" not in statement  # cross-account subscribers send no source ARN to match


@pytest.mark.parametrize("shape", ["kinesis", "everything"])
def test_logs_may_assume_the_stream_role_for_every_subscribed_group(shape: str) -> None:
    resources, values = deployment(shape)
    role = resources["LogsToKinesisRole"]["Properties"]
    (trust,) = statements(role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "logs.amazonaws.com"}
    patterns = trust["Condition"]["StringLike"]["aws:SourceArn"]
    if "Fn::Split" in patterns:
        text, _ = patterns["Fn::Split"][1]["Fn::Sub"]
        others = ":*,arn:*:logs:*:".join(values["SourceAccountIds"])
        wanted = resolve({"Fn::Sub": text.replace("${Others}", others)}, values).split(",")
    else:
        wanted = [resolve(patterns, values)]
    trust = {**trust, "Condition": {"StringLike": {"aws:SourceArn": wanted}}}
    for sub in of_type(resources, "AWS::Logs::SubscriptionFilter").values():
        if ref(sub["Properties"].get("RoleArn")) != "LogsToKinesisRole":
            continue
        group = resolve(sub["Properties"]["LogGroupName"], values)
        arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*"
        assert allowed_for([trust], "logs.amazonaws.com", "sts:AssumeRole", {"aws:SourceArn": arn}, values)
    for account in values["SourceAccountIds"]:
        arn = f"arn:aws:logs:{REGION}:{account}:log-group:/any/group:*"
        assert allowed_for([trust], "logs.amazonaws.com", "sts:AssumeRole", {"aws:SourceArn": arn}, values)
    stranger = f"arn:aws:logs:{REGION}:999999999999:log-group:/any/group:*"
    assert not allowed_for(
        [trust], "logs.amazonaws.com", "sts:AssumeRole", {"aws:SourceArn": stranger}, values
    )


def test_the_logs_destination_admits_the_organization_and_no_other() -> None:
    resources, values = deployment("organization")
    props = resources["LogsDestination"]["Properties"]
    parts = props["DestinationPolicy"]["Fn::Join"][1]
    policy = json.loads("".join(_joined(part, ACCOUNTS, ORGANIZATION) for part in parts))
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert set(by_sid) == {"SourceAccountsSubscribe", "OrganizationSubscribes"}
    org = by_sid["OrganizationSubscribes"]
    assert org["Principal"] == "*" and org["Effect"] == "Allow"
    assert matches(org, {"aws:PrincipalOrgID": ORGANIZATION}, values)
    assert not matches(org, {"aws:PrincipalOrgID": "o-zzzzzzzzzz"}, values)
    assert not matches(org, {}, values)  # a principal outside any organization
    assert by_sid["SourceAccountsSubscribe"]["Principal"] == {"AWS": ACCOUNTS}
    name = resolve(props["DestinationName"], values)
    assert {s["Resource"] for s in by_sid.values()} == {f"arn:aws:logs:{REGION}:{ACCOUNT}:destination:{name}"}
