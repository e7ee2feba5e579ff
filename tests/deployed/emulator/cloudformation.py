"""Workarounds 1 and 2: stand-ins for the resource types moto's CloudFormation skips, and the
SSM and KMS tag formats it misreads (see the package's docstring).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import boto3
from botocore import xform_name
from botocore.model import Shape, StructureShape
from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel

# --------------------------------------------------------------------- 1. stand-ins


def _coerce(value: Any, shape: Shape | None) -> Any:
    """CloudFormation hands numbers and booleans over as strings; the API's shape says what they are."""
    if shape is None:
        return value
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {k: _coerce(v, shape.members.get(k)) for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_coerce(v, shape.member) for v in value]  # type: ignore[attr-defined]
    if shape.type_name in ("integer", "long") and isinstance(value, str):
        return int(value)
    if shape.type_name in ("double", "float") and isinstance(value, str):
        return float(value)
    if shape.type_name == "boolean" and isinstance(value, str):
        return value.lower() == "true"
    return value


@functools.cache
def _client(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region)  # type: ignore[call-overload]


def call(service: str, operation: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """One API call on this server (AWS_ENDPOINT_URL), parameters coerced to the operation's shapes."""
    client = _client(service, region)
    model = client.meta.service_model.operation_model(operation)
    method = getattr(client, xform_name(operation))
    return dict(method(**_coerce(params, model.input_shape)))


def _policy(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _alarm(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    params = {"AlarmName": name, **props}
    call("cloudwatch", "PutMetricAlarm", region, params)
    arn = call("cloudwatch", "DescribeAlarms", region, {"AlarmNames": [params["AlarmName"]]})
    return params["AlarmName"], {"Arn": arn["MetricAlarms"][0]["AlarmArn"]} if arn["MetricAlarms"] else {
        "Arn": arn["CompositeAlarms"][0]["AlarmArn"]
    }


def _subscription_filter(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    params = {k[0].lower() + k[1:]: v for k, v in props.items()}
    params.setdefault("filterName", name)
    call("logs", "PutSubscriptionFilter", region, params)
    return params["filterName"], {}


def enforceable(document: dict[str, Any]) -> dict[str, Any]:
    """A bucket policy without its conditioned Deny statements.

    moto evaluates bucket policies (even with IAM enforcement off) but ignores Conditions, so the
    TLS-only and SSE-only denies would deny every request. tests/unit/template/test_template.py checks them.
    """
    kept = [s for s in document["Statement"] if not (s["Effect"] == "Deny" and "Condition" in s)]
    return {**document, "Statement": kept}


def _bucket_policy(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    document = enforceable(props["PolicyDocument"])
    if document["Statement"]:
        call("s3", "PutBucketPolicy", region, {"Bucket": props["Bucket"], "Policy": json.dumps(document)})
    return props["Bucket"], {}


def _queue_policy(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    for url in props["Queues"]:
        attributes = {"Policy": _policy(props["PolicyDocument"])}
        call("sqs", "SetQueueAttributes", region, {"QueueUrl": url, "Attributes": attributes})
    return name, {}


def _topic_policy(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    for arn in props["Topics"]:
        params = {
            "TopicArn": arn,
            "AttributeName": "Policy",
            "AttributeValue": _policy(props["PolicyDocument"]),
        }
        call("sns", "SetTopicAttributes", region, params)
    return name, {}


def _sns_subscription(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    params = {k: props[k] for k in ("TopicArn", "Protocol", "Endpoint") if k in props}
    return call("sns", "Subscribe", region, params)["SubscriptionArn"], {}


def _event_invoke_config(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    call("lambda", "PutFunctionEventInvokeConfig", region, props)
    return f"{props['FunctionName']}:{props.get('Qualifier', '$LATEST')}", {}


def _role_policy(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    params = {k: props[k] for k in ("RoleName", "PolicyName")}
    call("iam", "PutRolePolicy", region, {**params, "PolicyDocument": _policy(props["PolicyDocument"])})
    return f"{params['RoleName']}:{params['PolicyName']}", {}


def _glue_database(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    call("glue", "CreateDatabase", region, props)
    return props["DatabaseInput"]["Name"], {}


def _glue_table(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    call("glue", "CreateTable", region, props)
    return props["TableInput"]["Name"], {}


def athena_backend(region: str) -> Any:
    """moto's Athena in this process: botocore >= 1.40 speaks rest-json to Athena, moto 5.2.5's
    server only the json protocol, so the stand-ins and probes go to the backend directly."""
    from moto.athena.models import athena_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    return athena_backends[DEFAULT_ACCOUNT_ID][region]


def _athena_workgroup(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    athena_backend(region).create_work_group(
        props["Name"], props["WorkGroupConfiguration"], props.get("Description", ""), props.get("Tags", [])
    )
    return props["Name"], {}


def _athena_named_query(props: dict[str, Any], name: str, region: str) -> tuple[str, dict[str, str]]:
    query_id = athena_backend(region).create_named_query(
        props["Name"],
        props.get("Description", ""),
        props["Database"],
        props["QueryString"],
        props["WorkGroup"],
    )
    return str(query_id), {}


StandInCreate = Callable[[dict[str, Any], str, str], tuple[str, dict[str, str]]]

STAND_INS: dict[str, StandInCreate] = {
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::Logs::SubscriptionFilter": _subscription_filter,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::SNS::Subscription": _sns_subscription,
    "AWS::Lambda::EventInvokeConfig": _event_invoke_config,
    "AWS::IAM::RolePolicy": _role_policy,
    "AWS::Glue::Database": _glue_database,
    "AWS::Glue::Table": _glue_table,
    "AWS::Athena::WorkGroup": _athena_workgroup,
    "AWS::Athena::NamedQuery": _athena_named_query,
}


class _StandIn:
    """What moto's stack keeps for a stand-in resource: its physical id and attributes."""

    kind = ""
    create: StandInCreate

    def __init__(self, physical_id: str, attributes: dict[str, str]) -> None:
        self.physical_resource_id = physical_id
        self.attributes = attributes

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.attributes[attribute_name]

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **_: Any,
    ) -> _StandIn:
        physical, attributes = cls.create(
            cloudformation_json.get("Properties", {}), resource_name, region_name
        )
        return cls(physical, attributes)

    @classmethod
    def update_from_cloudformation_json(cls, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("stand-ins only create (the tests deploy fresh stacks)")

    @classmethod
    def delete_from_cloudformation_json(cls, *args: Any, **kwargs: Any) -> None:
        return None

    def is_created(self) -> bool:
        return True


def _register_stand_ins() -> None:
    known = parsing.get_model_map()
    for kind, create in STAND_INS.items():
        if kind in known:  # moto grew it: use moto's own (and drop the stand-in here)
            continue
        type(
            "StandIn" + kind.replace("::", ""),
            (_StandIn, CloudFormationModel),  # a direct subclass: moto lists __subclasses__()
            {
                "kind": kind,
                "create": staticmethod(create),
                "cloudformation_type": staticmethod(lambda kind=kind: kind),
            },
        )
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


# ------------------------------------------------------------- 2. SSM and KMS tags


def _normalise_tags_then(
    original: Callable[..., Any],
    fix: Callable[[dict[str, Any]], None],
    after: Callable[[Any, dict[str, Any]], None] | None = None,
) -> Any:
    def create(
        cls: type, resource_name: str, cloudformation_json: dict[str, Any], *args: Any, **kw: Any
    ) -> Any:
        props = cloudformation_json.setdefault("Properties", {})
        fix(props)
        created = original(resource_name, cloudformation_json, *args, **kw)
        if after is not None:
            after(created, props)
        return created

    return classmethod(create)


def _ssm_tags(props: dict[str, Any]) -> None:
    if isinstance(props.get("Tags"), dict):  # CloudFormation: a map; put_parameter: Key/Value list
        props["Tags"] = [{"Key": k, "Value": v} for k, v in props["Tags"].items()]


def _kms_tags(props: dict[str, Any]) -> None:
    props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props.get("Tags", [])]
    props["KeyPolicy"] = _policy(props["KeyPolicy"])


def _kms_key_spec(key: Any, props: dict[str, Any]) -> None:
    """moto creates every CloudFormation key as a symmetric encryption key: honour KeySpec/KeyUsage."""
    from moto.kms.utils import generate_private_key

    if "KeySpec" in props:
        key.key_spec = props["KeySpec"]
        key.private_key = generate_private_key(key.key_spec)
    key.key_usage = props.get("KeyUsage", key.key_usage)
