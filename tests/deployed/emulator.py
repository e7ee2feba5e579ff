"""Every workaround the deployed-stack tests need from moto, in one place (pinned: moto[server]==5.2.5).

`install()` patches the moto running in this process (ThreadedMotoServer serves from this
process, so its CloudFormation parser sees what is registered here). Drop each piece when moto
grows it; `tests/deployed/test_stack.py::test_every_resource_exists` fails if one is missing.

1. Stand-ins for the resource types moto's CloudFormation skips with only a warning (and still
   reports CREATE_COMPLETE): each calls the matching API on the same server through boto3, with
   the CloudFormation properties as the request (numbers coerced by the API's own shapes).
   The bucket policy goes in without its conditioned denies (see `enforceable`).
2. SSM parameter tags arrive as a map and KMS key tags / key policy in CloudFormation's form;
   moto's parsers expect the API's form. Normalised before moto's own create runs.
3. Lambda invoke needs Docker. `_invoke_lambda` is replaced by an in-process call of the
   function's `Handler` with the function's environment; what the function prints (logs, EMF)
   goes to its log group as on AWS (moto's `save_logs`) and to `INVOCATIONS` for the tests.
   Consecutive invocations of one function with one environment share a warm sandbox (module
   caches, clients), any other starts cold (`cold_start`); every botocore session and client of
   the process shares one model loader and one ServiceModel per service (botocore only reads them).
4. IAM enforcement switched on and off through the server (`iam_enforced`), every denial
   recorded (`DENIED`: code that swallows a denial still shows it), policies with each
   action also spelled as moto checks it (`moto_policy`), and a role's inline policy read back
   as a document (`inline_policy`: moto returns the Python repr of what CloudFormation gave it).
5. Kinesis event source mappings: moto invokes the function inside each PutRecord with that one
   record; Lambda polls and batches. moto's push is off, and `poll_kinesis_mappings` reads the
   shards with GetRecords and invokes with up to BatchSize records, as Lambda's poller does.
6. EventBridge: moto matches PutEvents events against schedule rules too and fails on their
   Lambda targets; schedule rules match no event here, as on AWS.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import functools
import importlib
import io
import json
import logging
import os
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import requests
from botocore import xform_name
from botocore.client import ClientCreator
from botocore.model import ServiceModel, Shape, StructureShape
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.events.models import Rule as EventsRule
from moto.iam.access_control import IAMRequest, S3IAMRequest
from moto.kms.models import Key
from moto.ssm.models import Parameter

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
    TLS-only and SSE-only denies would deny every request. tests/test_template.py checks them.
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


def _normalise_tags_then(original: Callable[..., Any], fix: Callable[[dict[str, Any]], None]) -> Any:
    def create(
        cls: type, resource_name: str, cloudformation_json: dict[str, Any], *args: Any, **kw: Any
    ) -> Any:
        fix(cloudformation_json.setdefault("Properties", {}))
        return original(resource_name, cloudformation_json, *args, **kw)

    return classmethod(create)


def _ssm_tags(props: dict[str, Any]) -> None:
    if isinstance(props.get("Tags"), dict):  # CloudFormation: a map; put_parameter: Key/Value list
        props["Tags"] = [{"Key": k, "Value": v} for k, v in props["Tags"].items()]


def _kms_tags(props: dict[str, Any]) -> None:
    props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props.get("Tags", [])]
    props["KeyPolicy"] = _policy(props["KeyPolicy"])


# ------------------------------------------------------------- 3. Lambda in process


@dataclass
class Invocation:
    """One in-process run of a deployed function."""

    function: str
    event: Any
    result: Any
    output: str
    errored: bool


@dataclass
class Recorder:
    invocations: list[Invocation] = field(default_factory=list)

    def of(self, function: str) -> list[Invocation]:
        return [i for i in self.invocations if i.function == function]


INVOCATIONS = Recorder()
# Functions run as their role: the tests map a role ARN to an access key pair (least privilege).
ROLE_KEYS: dict[str, tuple[str, str]] = {}


@dataclass(frozen=True)
class Context:
    """The LambdaContext attributes the handlers read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@contextlib.contextmanager
def function_environment(variables: dict[str, str]) -> Iterator[None]:
    """The function's environment variables for the duration of one call (restored afterwards)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


OUR_PACKAGES = ("stream_processor", "daily_report")


_create_loader = botocore.loaders.create_loader


@functools.cache
def _shared_loader(search_paths: str | None = None) -> botocore.loaders.Loader:
    """One loader for every botocore session of this process. Each cold start makes new sessions
    (ours, Powertools Parameters', the presigner's), and parsing the service models again is most
    of a session's cost; a loader only reads its JSON files, so sharing it changes no behaviour."""
    return _create_loader(search_paths)


# The sandbox whose state the process holds: "key" (function ARN and environment) and "session"
# (its boto3 default session). Invocations of the same function with the same environment in a
# row reuse it, as Lambda reuses a warm sandbox; any other invocation starts cold.
_SANDBOX: dict[str, Any] = {}


def _enter_sandbox(key: tuple[str, ...]) -> None:
    if _SANDBOX.get("key") == key:
        boto3.DEFAULT_SESSION = _SANDBOX["session"]  # warm: module state, caches and clients kept
        return
    cold_start()
    _SANDBOX.update(key=key, session=_reusing_clients(boto3._get_default_session()))


def _reusing_clients(session: boto3.Session) -> boto3.Session:
    """The session of a warm sandbox hands out the client it made before for the same arguments
    (creating one copies all of botocore's event handlers: most of a warm rollup's run). Our code
    registers nothing on its clients, so a reused client behaves as a new one."""
    made: dict[str, Any] = {}
    create = session.client

    def client(*args: Any, **kwargs: Any) -> Any:
        config = kwargs.get("config")
        options = None if config is None else sorted(config._user_provided_options.items())
        key = repr((args, sorted((k, v) for k, v in kwargs.items() if k != "config"), options))
        if key not in made:
            made[key] = create(*args, **kwargs)
        return made[key]

    session.client = client  # type: ignore[method-assign]
    return session


@functools.cache
def _service_model(service_name: str, api_version: str | None = None) -> ServiceModel:
    """One ServiceModel per service for every client of the process (clients only read it). Our
    code makes a client per invocation, and resolving GetObject's output shapes anew for each is
    most of a rollup's first request."""
    return ServiceModel(
        _shared_loader().load_service_model(service_name, "service-2", api_version), service_name
    )


def _load_service_model(_: ClientCreator, service_name: str, api_version: str | None = None) -> ServiceModel:
    return _service_model(service_name, api_version)


def cold_start() -> None:
    """Forget what a Lambda sandbox keeps between invocations: boto3's default session (and the
    credentials and region it resolved), Powertools Parameters' providers and values, and every
    lru_cache in our packages (clients bound to a bucket, parsed config)."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters import base

    boto3.setup_default_session()  # a new session: credentials and region resolved afresh
    _SANDBOX.clear()  # the process's state belongs to no sandbox now
    base.DEFAULT_PROVIDERS.clear()
    parameters.clear_caches()
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in OUR_PACKAGES:
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                    value.cache_clear()


def lambda_environment(function: LambdaFunction) -> dict[str, str]:
    """What the runtime sets (region, name, memory) plus the function's own variables."""
    runtime = {
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here to send segments to
    }
    keys = ROLE_KEYS.get(function.role)
    if keys:
        runtime.update(AWS_ACCESS_KEY_ID=keys[0], AWS_SECRET_ACCESS_KEY=keys[1])
    return {**runtime, **function.environment_vars}


@contextlib.contextmanager
def captured_output() -> Iterator[io.StringIO]:
    """Everything printed or logged (Powertools Logger included) while the block runs."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), _log_handlers_to(output):
        yield output


@contextlib.contextmanager
def _log_handlers_to(stream: io.StringIO) -> Iterator[None]:
    """Loggers as a fresh sandbox has them: Powertools Loggers bound stdout and read
    POWERTOOLS_LOG_LEVEL when they were made (at import, here long ago), so point their handlers
    at `stream` and give them the level the environment says now."""
    loggers = [
        logging.getLogger(),
        *(x for x in logging.Logger.manager.loggerDict.values() if isinstance(x, logging.Logger)),
    ]
    swapped = [
        (logger, h)
        for logger in loggers
        for h in logger.handlers
        if type(h) is logging.StreamHandler and h.stream not in (sys.stderr, sys.__stderr__)
    ]
    streams = [h.setStream(stream) for _, h in swapped]
    levels = [logger.level for logger, _ in swapped]
    if os.environ.get("POWERTOOLS_LOG_LEVEL"):
        for logger, _ in swapped:
            logger.setLevel(os.environ["POWERTOOLS_LOG_LEVEL"])
    try:
        yield
    finally:
        for (logger, handler), old, level in zip(swapped, streams, levels, strict=True):
            handler.setStream(old or sys.stdout)
            logger.setLevel(level)


def _invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    module, _, attribute = self.handler.rpartition(".")
    handler = getattr(importlib.import_module(module), attribute)
    payload = json.loads(event) if isinstance(event, str) else (event or {})
    context = Context(self.function_name, int(self.memory_size), self.function_arn)
    # The environment is process-wide. Invocations here are sequential, or nested in one whose
    # code is blocked in the invoke call (DailyReport's fan-out to Rollup), so swapping it is safe;
    # the caller's default session is given back afterwards.
    variables = lambda_environment(self)
    caller = boto3.DEFAULT_SESSION
    with function_environment(variables), captured_output() as output:
        _enter_sandbox((self.function_arn, *sorted(f"{k}={v}" for k, v in variables.items())))
        try:
            result, errored = handler(payload, context), False
        except Exception as exc:
            print(traceback.format_exc())
            result, errored = {"errorType": type(exc).__name__, "errorMessage": str(exc)}, True
        finally:
            boto3.DEFAULT_SESSION = caller
    text = output.getvalue()
    self.save_logs(text)
    INVOCATIONS.invocations.append(Invocation(self.function_name, payload, result, text, errored))
    return json.dumps(result, default=str), errored, text


# ------------------------------------------------- 5. Kinesis event source mappings

# (mapping UUID, shard id) → the sequence number of the last record handed to the function
_KINESIS_POSITIONS: dict[tuple[str, str], str] = {}


def _kinesis_record(
    record: dict[str, Any], shard: str, stream_arn: str, role: str, region: str
) -> dict[str, Any]:
    """One record of the event Lambda's Kinesis poller sends (AWS, "Using Lambda with Kinesis")."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record["PartitionKey"],
            "sequenceNumber": record["SequenceNumber"],
            "data": base64.b64encode(record["Data"]).decode(),
            "approximateArrivalTimestamp": record["ApproximateArrivalTimestamp"].timestamp(),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def _per_record_push(*args: Any, **kwargs: Any) -> None:
    """moto's own Kinesis mapping: it invokes the function inside every PutRecord with that one
    record, ignoring BatchSize, so a Kinesis-mode invocation never held more than one batch.
    Switched off; `poll_kinesis_mappings` delivers the records instead."""


def poll_kinesis_mappings(region: str) -> int:
    """One pass of Lambda's Kinesis poller over the region's enabled mappings; the batches sent.

    Reads every shard from where the mapping stopped (its StartingPosition the first time) with
    GetRecords, and invokes the function through Lambda's Invoke with up to BatchSize records per
    event, in order. A function error stops that shard there (Lambda would retry it); the batching
    window, parallelization factor and retry settings are not emulated.
    """
    lam, kinesis = _client("lambda", region), _client("kinesis", region)
    sent = 0
    for page in lam.get_paginator("list_event_source_mappings").paginate():
        for mapping in page["EventSourceMappings"]:
            stream_arn = mapping["EventSourceArn"]
            if ":kinesis:" not in stream_arn or mapping["State"] != "Enabled":
                continue
            role = lam.get_function_configuration(FunctionName=mapping["FunctionArn"])["Role"]
            for shard in kinesis.list_shards(StreamARN=stream_arn)["Shards"]:
                sent += _drain_shard(mapping, shard["ShardId"], role, region)
    return sent


def _drain_shard(mapping: dict[str, Any], shard: str, role: str, region: str) -> int:
    lam, kinesis = _client("lambda", region), _client("kinesis", region)
    stream_arn, position_key = mapping["EventSourceArn"], (mapping["UUID"], shard)
    after = _KINESIS_POSITIONS.get(position_key)
    start: dict[str, Any] = (
        {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": after}
        if after
        else {"ShardIteratorType": mapping["StartingPosition"]}
    )
    iterator = kinesis.get_shard_iterator(StreamARN=stream_arn, ShardId=shard, **start)["ShardIterator"]
    sent = 0
    while iterator:
        answer = kinesis.get_records(StreamARN=stream_arn, ShardIterator=iterator, Limit=mapping["BatchSize"])
        if not answer["Records"]:
            break
        records = [_kinesis_record(r, shard, stream_arn, role, region) for r in answer["Records"]]
        response = lam.invoke(FunctionName=mapping["FunctionArn"], Payload=json.dumps({"Records": records}))
        if "FunctionError" in response:
            raise RuntimeError(f"{mapping['FunctionArn']} failed on {shard}: {response['Payload'].read()!r}")
        _KINESIS_POSITIONS[position_key] = answer["Records"][-1]["SequenceNumber"]
        iterator, sent = answer.get("NextShardIterator"), sent + 1
    return sent


# ---------------------------------------------------------------- 6. schedule rules

_send_to_targets = EventsRule.send_to_targets


def _schedules_match_no_event(self: EventsRule, event: Any, transform_input: bool = True) -> None:
    """moto matches every PutEvents event against schedule rules too (their empty pattern matches
    all) and then fails on their Lambda targets (500). On AWS a schedule rule matches no event."""
    if self.scheduled_expression:
        return
    _send_to_targets(self, event, transform_input)


# ---------------------------------------------------------------------- install

_installed = False


def install() -> None:
    """Apply every workaround to this process's moto (idempotent)."""
    global _installed
    if _installed:
        return
    _register_stand_ins()
    Parameter.create_from_cloudformation_json = _normalise_tags_then(  # type: ignore[method-assign]
        Parameter.create_from_cloudformation_json, _ssm_tags
    )
    Key.create_from_cloudformation_json = _normalise_tags_then(  # type: ignore[method-assign]
        Key.create_from_cloudformation_json, _kms_tags
    )
    LambdaFunction._invoke_lambda = _invoke_in_process  # type: ignore[method-assign]
    LambdaBackend.send_kinesis_message = _per_record_push  # type: ignore[method-assign]
    EventsRule.send_to_targets = _schedules_match_no_event  # type: ignore[method-assign]
    botocore.session.create_loader = _shared_loader  # type: ignore[attr-defined]
    ClientCreator._load_service_model = _load_service_model  # type: ignore[method-assign]
    for request in (IAMRequest, S3IAMRequest):
        request._raise_access_denied = _recording(request._raise_access_denied)  # type: ignore[method-assign]
    _installed = True


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
