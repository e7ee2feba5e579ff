"""Does a deployed resource exist? One probe per resource type, asking the service's own API.

A type without a probe fails the resource test: add one here when the template grows a type.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from .emulator import enforceable
from .emulator.cloudformation import athena_backend
from .stack import Stack


def _policies(stack: Stack, kind: str, read: Callable[[str], str | None]) -> list[str]:
    return [p for name in stack.resources_of(kind) if (p := read(stack.physical[name]))]


def _sids(resource: dict[str, Any]) -> set[str]:
    return {s["Sid"] for s in resource["Properties"]["PolicyDocument"]["Statement"]}


def _has_sids(policies: list[str], sids: set[str]) -> bool:
    return any(sids <= {s.get("Sid") for s in json.loads(p)["Statement"]} for p in policies)


def _queue_policy(stack: Stack, physical: str) -> str | None:
    attrs = stack.client("sqs").get_queue_attributes(QueueUrl=physical, AttributeNames=["Policy"])
    return attrs.get("Attributes", {}).get("Policy")


def _topic_policy(stack: Stack, physical: str) -> str | None:
    return stack.client("sns").get_topic_attributes(TopicArn=physical)["Attributes"].get("Policy")


def _function_policy(stack: Stack, physical: str) -> str | None:
    try:
        return str(stack.client("lambda").get_policy(FunctionName=physical)["Policy"])
    except ClientError:
        return None


def _bucket_policy(stack: Stack, logical: str, physical: str) -> bool:
    """What the stand-in could put (moto ignores Conditions: see emulator.cloudformation.enforceable)."""
    document = enforceable(stack.template["Resources"][logical]["Properties"]["PolicyDocument"])
    if not document["Statement"]:
        return bool(stack.client("s3").head_bucket(Bucket=physical))
    policy = stack.client("s3").get_bucket_policy(Bucket=physical)["Policy"]
    return _has_sids([policy], {s["Sid"] for s in document["Statement"]})


def _permission(stack: Stack, logical: str) -> bool:
    principal = stack.template["Resources"][logical]["Properties"]["Principal"]
    policies = _policies(stack, "AWS::Lambda::Function", lambda p: _function_policy(stack, p))
    return any(
        s.get("Principal", {}).get("Service") == principal
        for p in policies
        for s in json.loads(p)["Statement"]
    )


def _subscription_filter(stack: Stack, physical: str) -> bool:
    logs = stack.client("logs")
    return any(
        f["filterName"] == physical
        for name in stack.resources_of("AWS::Logs::LogGroup")
        for f in logs.describe_subscription_filters(logGroupName=stack.physical[name])["subscriptionFilters"]
    )


def _log_group(stack: Stack, physical: str) -> bool:
    groups = stack.client("logs").describe_log_groups(logGroupNamePrefix=physical)["logGroups"]
    return any(g["logGroupName"] == physical for g in groups)


def _invoke_config(stack: Stack, physical: str) -> bool:
    function, _, qualifier = physical.partition(":")
    return bool(
        stack.client("lambda").get_function_event_invoke_config(FunctionName=function, Qualifier=qualifier)
    )


def _role_policy(stack: Stack, logical: str, physical: str) -> bool:
    """The inline policy is on the role, with the template's statements."""
    role, _, name = physical.partition(":")
    document = stack.client("iam").get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    return _sids(stack.template["Resources"][logical]) <= {s.get("Sid") for s in document["Statement"]}


Probe = Callable[[Stack, str, str], bool]  # stack, logical id, physical id

PROBES: dict[str, Probe] = {
    "AWS::Logs::LogGroup": lambda s, _, p: _log_group(s, p),
    "AWS::Logs::SubscriptionFilter": lambda s, _, p: _subscription_filter(s, p),
    "AWS::S3::Bucket": lambda s, _, p: bool(s.client("s3").head_bucket(Bucket=p)),
    "AWS::S3::BucketPolicy": lambda s, n, p: _bucket_policy(s, n, p),
    "AWS::SSM::Parameter": lambda s, _, p: bool(s.client("ssm").get_parameter(Name=p)["Parameter"]),
    "AWS::KMS::Key": lambda s, _, p: s.client("kms").describe_key(KeyId=p)["KeyMetadata"]["Enabled"],
    "AWS::KMS::Alias": lambda s, _, p: any(
        a["AliasName"] == p for a in s.client("kms").list_aliases()["Aliases"]
    ),
    "AWS::SNS::Topic": lambda s, _, p: bool(s.client("sns").get_topic_attributes(TopicArn=p)["Attributes"]),
    "AWS::SNS::TopicPolicy": lambda s, n, _: _has_sids(
        _policies(s, "AWS::SNS::Topic", lambda p: _topic_policy(s, p)), _sids(s.template["Resources"][n])
    ),
    "AWS::SNS::Subscription": lambda s, _, p: any(
        x["SubscriptionArn"] == p for x in s.client("sns").list_subscriptions()["Subscriptions"]
    ),
    "AWS::SQS::Queue": lambda s, _, p: bool(s.client("sqs").get_queue_attributes(QueueUrl=p)),
    "AWS::SQS::QueuePolicy": lambda s, n, _: _has_sids(
        _policies(s, "AWS::SQS::Queue", lambda p: _queue_policy(s, p)), _sids(s.template["Resources"][n])
    ),
    "AWS::IAM::Role": lambda s, _, p: bool(s.client("iam").get_role(RoleName=p)["Role"]),
    "AWS::IAM::RolePolicy": lambda s, n, p: _role_policy(s, n, p),
    "AWS::IAM::ManagedPolicy": lambda s, _, p: bool(s.client("iam").get_policy(PolicyArn=p)["Policy"]),
    "AWS::Lambda::Function": lambda s, _, p: bool(s.client("lambda").get_function(FunctionName=p)),
    "AWS::Lambda::Permission": lambda s, n, _: _permission(s, n),
    "AWS::Lambda::EventInvokeConfig": lambda s, _, p: _invoke_config(s, p),
    "AWS::Lambda::EventSourceMapping": lambda s, _, p: (
        s.client("lambda").get_event_source_mapping(UUID=p)["State"] == "Enabled"
    ),
    "AWS::CloudWatch::Alarm": lambda s, _, p: bool(
        s.client("cloudwatch").describe_alarms(AlarmNames=[p])["MetricAlarms"]
    ),
    "AWS::CloudWatch::Dashboard": lambda s, _, p: bool(s.client("cloudwatch").get_dashboard(DashboardName=p)),
    "AWS::Events::Rule": lambda s, _, p: s.client("events").describe_rule(Name=p)["State"] == "ENABLED",
    "AWS::Glue::Database": lambda s, _, p: s.client("glue").get_database(Name=p)["Database"]["Name"] == p,
    "AWS::Glue::Table": lambda s, _, p: bool(
        s.client("glue").get_table(DatabaseName=s.outputs["QueryDatabase"], Name=p)["Table"]
    ),
    "AWS::Athena::WorkGroup": lambda s, _, p: (
        athena_backend(s.region).get_work_group(p)["State"] == "ENABLED"
    ),
    "AWS::Athena::NamedQuery": lambda s, _, p: athena_backend(s.region).get_named_query(p) is not None,
    "AWS::Kinesis::Stream": lambda s, _, p: bool(s.client("kinesis").describe_stream_summary(StreamName=p)),
}
