"""Onboarding against moto's server over HTTP: existing groups by prefix, a new group from its
CloudTrail CreateLogGroup event, a group whose filter slots are taken (a clear error, logged and
counted), and a second run that changes nothing; `logreview onboard --check` names each state."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

import boto3
import orjson
import pytest

from stream_processor.cli import main
from stream_processor.config import DEFAULT_DOCUMENT
from stream_processor.onboard import handler
from stream_processor.onboard.selection import State

STACK = "lrtest"


def create_event(group: str) -> dict[str, Any]:
    """What an EventBridge rule on CloudTrail's CreateLogGroup delivers (the fields we read)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.logs",
        "account": "123456789012",
        "time": "2026-12-06T20:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "eventSource": "logs.amazonaws.com",
            "eventName": "CreateLogGroup",
            "awsRegion": "us-east-1",
            "requestParameters": {"logGroupName": group},
            "responseElements": None,
        },
    }


SCHEDULED = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}


def _function(name: str) -> str:
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]}
    role = boto3.client("iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=orjson.dumps(trust).decode()
    )
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("stream_processor/handler.py", "")
    created = boto3.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="stream_processor.handler.lambda_handler",
        Code={"ZipFile": code.getvalue()},
    )
    return str(created["FunctionArn"])


@pytest.fixture
def onboarding(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A config selecting one named group and one prefix; a Direct-mode destination (a function)."""
    tag = uuid.uuid4().hex[:8]
    prefix, named = f"/team-{tag}/", f"/named-{tag}/app"
    doc = json.loads(json.dumps(DEFAULT_DOCUMENT))
    doc["LogConfig"].update(
        AdminLogGroup=f"/admin-{tag}/logs",
        OperatorLogGroup=f"/operator-{tag}/logs",
        ReportBucket=aws["bucket"],
        LogGroups=[named],
        LogGroupPrefixes=[prefix, f"/aws/lambda/{STACK}-"],
    )
    boto3.client("ssm").put_parameter(
        Name=aws["parameter"], Value=json.dumps(doc), Type="String", Overwrite=True
    )
    arn = _function(f"{STACK}-stream-processor-{tag}")
    monkeypatch.setenv("SUBSCRIPTION_FILTER_PREFIX", f"{STACK}-")
    monkeypatch.setenv("SUBSCRIPTION_DESTINATION_ARN", arn)
    monkeypatch.setenv("OWN_LOG_GROUP_PREFIX", f"/aws/lambda/{STACK}-")
    monkeypatch.setenv("LOGREVIEW_STACK", STACK)
    return {"prefix": prefix, "named": named, "admin": f"/admin-{tag}/logs", "arn": arn, "tag": tag}


def filters(group: str) -> dict[str, str]:
    found = boto3.client("logs").describe_subscription_filters(logGroupName=group)["subscriptionFilters"]
    return {f["filterName"]: f["destinationArn"] for f in found}


def emf(output: str) -> dict[str, Any]:
    """The Onboard counters from the EMF line the handler printed."""
    docs = [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]
    return next(doc for doc in docs if "OnboardFailures" in doc)


def test_sweep_subscribes_existing_groups_by_prefix_and_name_once(
    onboarding: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    logs = boto3.client("logs")
    prefix, arn = onboarding["prefix"], onboarding["arn"]
    for group in (
        f"{prefix}api",
        f"{prefix}worker",
        onboarding["named"],
        onboarding["admin"],
        "/elsewhere/x",
    ):
        logs.create_log_group(logGroupName=group)
    own = f"/aws/lambda/{STACK}-stream-processor"  # selected by a prefix, yet never subscribed (a loop)
    logs.create_log_group(logGroupName=own)
    logs.put_subscription_filter(  # the seed group's template filter: already ours
        logGroupName=onboarding["admin"], filterName=f"{STACK}-admin", filterPattern="", destinationArn=arn
    )

    summary = handler.lambda_handler(SCHEDULED, None)

    assert summary["subscribed"] == sorted([f"{prefix}api", f"{prefix}worker", onboarding["named"]])
    assert summary["failed"] == {}
    for group in summary["subscribed"]:
        assert filters(group) == {f"{STACK}-onboard": arn}
    assert filters(onboarding["admin"]) == {f"{STACK}-admin": arn}  # no second filter on a seed group
    assert filters(own) == {} and filters("/elsewhere/x") == {}
    assert emf(capsys.readouterr().out)["OnboardSubscribed"] == 3

    again = handler.lambda_handler(SCHEDULED, None)  # idempotent: nothing new, nothing doubled
    assert again["subscribed"] == [] and again["failed"] == {}
    assert all(len(filters(g)) == 1 for g in summary["subscribed"])
    assert emf(capsys.readouterr().out)["OnboardSubscribed"] == 0


def test_a_new_group_is_subscribed_from_its_create_event(onboarding: dict[str, Any]) -> None:
    logs = boto3.client("logs")
    group = f"{onboarding['prefix']}new-service"
    logs.create_log_group(logGroupName=group)
    assert handler.lambda_handler(create_event(group), None)["subscribed"] == [group]
    assert filters(group) == {f"{STACK}-onboard": onboarding["arn"]}
    assert handler.lambda_handler(create_event(group), None)["subscribed"] == []  # a redelivered event

    other = "/not-selected/app"
    logs.create_log_group(logGroupName=other)
    assert handler.lambda_handler(create_event(other), None) == {"groups": 0, "subscribed": [], "failed": {}}
    assert filters(other) == {}


def test_a_group_with_two_filters_is_a_clear_error_logged_and_counted(
    onboarding: dict[str, Any], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    logs = boto3.client("logs")
    full, fine = f"{onboarding['prefix']}full", f"{onboarding['prefix']}fine"
    for group in (full, fine):
        logs.create_log_group(logGroupName=group)
    for name in ("datadog", "elastic"):  # two other forwarders took the slots
        logs.put_subscription_filter(
            logGroupName=full, filterName=name, filterPattern="", destinationArn=onboarding["arn"]
        )

    summary = handler.lambda_handler(create_event(full), None)
    assert list(summary["failed"]) == [full]
    assert "2 subscription filters (datadog, elastic)" in summary["failed"][full]
    out = capsys.readouterr().out
    assert emf(out)["OnboardFailures"] == 1
    errors = [r for r in caplog.records if r.getMessage() == "log group cannot be subscribed"]
    assert [(r.levelname, getattr(r, "log_group", None)) for r in errors] == [("ERROR", full)]

    swept = handler.lambda_handler(SCHEDULED, None)  # one refused group does not stop the others
    assert swept["subscribed"] == [fine] and list(swept["failed"]) == [full]
    assert set(filters(full)) == {"datadog", "elastic"}


def test_the_service_refusal_is_reported_when_the_prediction_misses(
    onboarding: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One filter of another and the service still says LimitExceeded (a quota of 1 here): the
    service's words are kept, and the group's filters named."""
    from stream_processor.onboard import selection

    logs = boto3.client("logs")
    group = f"{onboarding['prefix']}one"
    logs.create_log_group(logGroupName=group)
    for name in ("a", "b"):
        logs.put_subscription_filter(
            logGroupName=group, filterName=name, filterPattern="", destinationArn=onboarding["arn"]
        )
    monkeypatch.setattr(selection, "MAX_FILTERS", 3)  # the prediction says there is room
    summary = handler.lambda_handler(create_event(group), None)
    assert summary["failed"][group].startswith("LimitExceededException: ")
    assert "its filters: a, b" in summary["failed"][group]


def test_check_lists_each_state_and_exits_1_on_a_refused_group(
    onboarding: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    logs = boto3.client("logs")
    prefix = onboarding["prefix"]
    for group in (f"{prefix}done", f"{prefix}todo", f"{prefix}full", f"/aws/lambda/{STACK}-rollup"):
        logs.create_log_group(logGroupName=group)
    logs.put_subscription_filter(
        logGroupName=f"{prefix}done",
        filterName=f"{STACK}-onboard",
        filterPattern="",
        destinationArn=onboarding["arn"],
    )
    for name in ("x", "y"):
        logs.put_subscription_filter(
            logGroupName=f"{prefix}full", filterName=name, filterPattern="", destinationArn=onboarding["arn"]
        )

    assert main(["onboard", "--check"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert f"{prefix}done  {State.SUBSCRIBED.value}: filter {STACK}-onboard" in lines
    assert f"{prefix}todo  {State.TO_SUBSCRIBE.value}" in lines
    assert any(line.startswith(f"{prefix}full  cannot be subscribed: it already has 2") for line in lines)
    assert any(line.startswith(f"/aws/lambda/{STACK}-rollup  excluded") for line in lines)
    assert f"{onboarding['named']}  {State.MISSING.value}" in lines
    assert f"{onboarding['admin']}  {State.MISSING.value}" in lines
    # (the session's server may hold other tests' excluded groups)
    assert "1 subscribed by this stack, 1 not subscribed yet, 1 cannot be subscribed" in lines[-1]
    assert "3 does not exist yet" in lines[-1]
    # nothing was written
    assert filters(f"{prefix}todo") == {}


def test_kinesis_mode_passes_the_stream_role(
    onboarding: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    kinesis = boto3.client("kinesis")
    name = f"lr-{onboarding['tag']}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream = kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]
    role = f"arn:aws:iam::123456789012:role/{name}"
    monkeypatch.setenv("SUBSCRIPTION_DESTINATION_ARN", stream)
    monkeypatch.setenv("SUBSCRIPTION_ROLE_ARN", role)
    group = f"{onboarding['prefix']}k"
    boto3.client("logs").create_log_group(logGroupName=group)
    assert handler.lambda_handler(create_event(group), None)["subscribed"] == [group]
    (found,) = boto3.client("logs").describe_subscription_filters(logGroupName=group)["subscriptionFilters"]
    assert (found["destinationArn"], found["roleArn"]) == (stream, role)


def test_onboarded_filters_follow_an_ingest_mode_switch(
    onboarding: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Direct → Kinesis: the `<stack>-onboard` filters still deliver to the function, whose
    any-group permission the switch removed; the next sweep puts them again to the stream."""
    group = f"{onboarding['prefix']}switch"
    boto3.client("logs").create_log_group(logGroupName=group)
    assert handler.lambda_handler(create_event(group), None)["subscribed"] == [group]
    kinesis = boto3.client("kinesis")
    name = f"lr-switch-{onboarding['tag']}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream = kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]
    monkeypatch.setenv("SUBSCRIPTION_DESTINATION_ARN", stream)
    monkeypatch.setenv("SUBSCRIPTION_ROLE_ARN", f"arn:aws:iam::123456789012:role/{name}")
    swept = handler.lambda_handler(SCHEDULED, None)
    assert group in swept["subscribed"] and swept["failed"] == {}
    assert filters(group) == {f"{STACK}-onboard": stream}  # replaced under its name, not added
    assert group not in handler.lambda_handler(SCHEDULED, None)["subscribed"]
