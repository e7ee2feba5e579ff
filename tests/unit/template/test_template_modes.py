"""template.yaml rendered in each IngestMode: which resources exist, the Kinesis event source
mapping's settings, the stream's encryption, the roles' scope, the cross-account destination and
the Kinesis alarms. Conditions and `Fn::If` are evaluated here for given parameter values;
cfn-lint (tests/unit/template/test_template.py) already checks every branch is valid."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import load

from tests.support.cfn_conditions import evaluate
from tests.unit.template.test_template import PSEUDO, TEMPLATE_PATH, of_type, resolve, statements

ACCOUNTS = ["111111111111", "222222222222"]


def parameters(template: dict[str, Any], **given: Any) -> dict[str, Any]:
    values = {name: p.get("Default") for name, p in template["Parameters"].items()}
    values["SourceAccountIds"] = [a for a in str(values["SourceAccountIds"]).split(",") if a]
    return {**values, **given}


def choose(node: Any, truth: dict[str, bool]) -> Any:
    """Resolve every `Fn::If` (and drop AWS::NoValue) for the given condition values."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, yes, no = node["Fn::If"]
            return choose(yes if truth[name] else no, truth)
        out = {k: choose(v, truth) for k, v in node.items()}
        return {k: v for k, v in out.items() if v != {"Ref": "AWS::NoValue"}}
    if isinstance(node, list):
        return [v for v in (choose(v, truth) for v in node) if v != {"Ref": "AWS::NoValue"}]
    return node


def render(**given: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(resources that exist, parameter values) for the given parameter values."""
    template = dict(load(str(TEMPLATE_PATH)))
    values = parameters(template, **given)
    conditions = template["Conditions"]
    truth = {name: bool(evaluate(body, values, conditions)) for name, body in conditions.items()}
    resources = {
        name: choose(resource, truth)
        for name, resource in template["Resources"].items()
        if "Condition" not in resource or truth[resource["Condition"]]
    }
    return resources, values


KINESIS_ONLY = {
    "LogStream",
    "LogsToKinesisRole",
    "AdminLogsKinesisSubscription",
    "OperatorLogsKinesisSubscription",
    "KinesisEventSourceMapping",
    "KinesisIteratorAgeAlarm",
    "KinesisMappingFailuresAlarm",
    "KinesisWriteThrottledAlarm",
}
DIRECT_ONLY = {
    "AdminLogsInvokePermission",
    "OperatorLogsInvokePermission",
    "AdminLogsSubscription",
    "OperatorLogsSubscription",
}


def test_direct_is_the_default_and_creates_nothing_of_kinesis() -> None:
    resources, values = render()
    processor = resources["StreamProcessorRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert not [st for st in statements(processor) if "kinesis" in str(st)]
    assert values["IngestMode"] == "Direct"
    assert set(resources) >= DIRECT_ONLY and not KINESIS_ONLY & set(resources)
    assert "LogsDestination" not in resources
    for sub in of_type(resources, "AWS::Logs::SubscriptionFilter").values():
        assert sub["Properties"]["DestinationArn"] == {"Fn::GetAtt": ["StreamProcessorFunction", "Arn"]}
    assert resources["StreamProcessorFunction"]["Properties"]["Timeout"] == 60
    assert resources["ReplayQueue"]["Properties"]["VisibilityTimeout"] == 6 * 60


def test_kinesis_mode_subscribes_both_groups_to_an_encrypted_stream() -> None:
    resources, values = render(IngestMode="Kinesis")
    assert set(resources) >= KINESIS_ONLY and not DIRECT_ONLY & set(resources)
    stream = resources["LogStream"]["Properties"]
    assert stream["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
    assert stream["StreamModeDetails"] == {"StreamMode": {"Ref": "KinesisStreamMode"}}
    assert stream["ShardCount"] == {"Ref": "KinesisShardCount"} and values["KinesisShardCount"] == 1
    filters = of_type(resources, "AWS::Logs::SubscriptionFilter")
    assert {f["Properties"]["LogGroupName"]["Ref"] for f in filters.values()} == {
        "AdminLogGroup",
        "OperatorLogGroup",
    }
    for sub in filters.values():
        assert sub["Properties"]["DestinationArn"] == {"Fn::GetAtt": ["LogStream", "Arn"]}
        assert sub["Properties"]["RoleArn"] == {"Fn::GetAtt": ["LogsToKinesisRole", "Arn"]}
    on_demand, _ = render(IngestMode="Kinesis", KinesisStreamMode="ON_DEMAND")
    assert "ShardCount" not in on_demand["LogStream"]["Properties"]
    processor = resources["StreamProcessorFunction"]["Properties"]
    assert processor["Timeout"] == 300
    assert resources["ReplayQueue"]["Properties"]["VisibilityTimeout"] >= 6 * processor["Timeout"]


def test_kinesis_mapping_batches_large_retries_bounded_and_fails_to_the_queue() -> None:
    resources, values = render(IngestMode="Kinesis")
    props = resources["KinesisEventSourceMapping"]["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["LogStream", "Arn"]}
    assert props["FunctionName"] == {"Ref": "StreamProcessorFunction"}
    assert props["BisectBatchOnFunctionError"] is False
    assert props["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["FailureQueue", "Arn"]}}
    }
    assert "FunctionResponseTypes" not in props  # a poison record is quarantined, never retried
    settings = {
        "BatchSize": ("KinesisBatchSize", 10_000),
        "MaximumBatchingWindowInSeconds": ("KinesisBatchingWindowSeconds", 60),
        "ParallelizationFactor": ("KinesisParallelizationFactor", 1),
        "MaximumRetryAttempts": ("KinesisMaximumRetryAttempts", 10),
        "MaximumRecordAgeInSeconds": ("KinesisMaximumRecordAgeSeconds", 21_600),
    }
    template = dict(load(str(TEMPLATE_PATH)))
    for prop, (parameter, default) in settings.items():
        assert props[prop] == {"Ref": parameter}
        assert values[parameter] == default
    spec = template["Parameters"]
    assert spec["KinesisBatchSize"]["MaxValue"] == 10_000
    assert spec["KinesisBatchingWindowSeconds"]["MaxValue"] == 300
    assert spec["KinesisMaximumRetryAttempts"]["MinValue"] >= 0  # never -1 (infinite)
    assert spec["KinesisMaximumRecordAgeSeconds"]["MinValue"] >= 60  # never -1 (infinite)


def test_kinesis_alarms_watch_iterator_age_mapping_failures_and_throttling() -> None:
    resources, _ = render(IngestMode="Kinesis")
    age = resources["KinesisIteratorAgeAlarm"]["Properties"]
    (stat,) = [m["MetricStat"] for m in age["Metrics"] if "MetricStat" in m]
    assert stat["Metric"]["MetricName"] == "IteratorAge" and stat["Stat"] == "Maximum"
    assert stat["Metric"]["Dimensions"] == [
        {"Name": "FunctionName", "Value": {"Ref": "StreamProcessorFunction"}}
    ]
    assert age["Threshold"] == {"Ref": "KinesisIteratorAgeAlarmSeconds"}
    failures = resources["KinesisMappingFailuresAlarm"]["Properties"]
    assert failures["MetricName"] == "DestinationDeliveryFailures" and failures["Threshold"] == 0
    throttled = resources["KinesisWriteThrottledAlarm"]["Properties"]
    assert throttled["MetricName"] == "WriteProvisionedThroughputExceeded"
    for name in ("KinesisIteratorAgeAlarm", "KinesisMappingFailuresAlarm", "KinesisWriteThrottledAlarm"):
        props = resources[name]["Properties"]
        assert (
            props["AlarmActions"] == [{"Ref": "AlertTopic"}] and props["TreatMissingData"] == "notBreaching"
        )
    assert "FailureQueueDepthAlarm" in resources  # records the mapping gives up on land there


def test_kinesis_roles_are_scoped_to_the_one_stream() -> None:
    resources, _ = render(IngestMode="Kinesis")
    stream = {"Fn::GetAtt": ["LogStream", "Arn"]}
    processor = resources["StreamProcessorRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    (read,) = [st for st in statements(processor) if st.get("Sid") == "ReadTheLogStream"]
    assert read["Resource"] == stream and all(a.startswith("kinesis:") for a in read["Action"])
    assert not [a for a in read["Action"] if a.startswith("kinesis:Put")]
    logs_role = resources["LogsToKinesisRole"]["Properties"]
    (put,) = statements(logs_role["Policies"][0]["PolicyDocument"])
    assert (put["Action"], put["Resource"]) == ("kinesis:PutRecord", stream)
    (trust,) = statements(logs_role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "logs.amazonaws.com"}
    assert trust["Condition"]["StringLike"]["aws:SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"
    }


@pytest.mark.parametrize("accounts", [ACCOUNTS[:1], ACCOUNTS])
def test_source_accounts_get_a_logs_destination_they_may_subscribe_to(accounts: list[str]) -> None:
    resources, _ = render(IngestMode="Kinesis", SourceAccountIds=accounts)
    props = resources["LogsDestination"]["Properties"]
    assert props["TargetArn"] == {"Fn::GetAtt": ["LogStream", "Arn"]}
    assert props["RoleArn"] == {"Fn::GetAtt": ["LogsToKinesisRole", "Arn"]}
    text = "".join(_joined(part, accounts) for part in props["DestinationPolicy"]["Fn::Join"][1])
    policy = json.loads(text)
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"AWS": accounts}
    assert statement["Action"] == "logs:PutSubscriptionFilter"
    trust = statements(resources["LogsToKinesisRole"]["Properties"]["AssumeRolePolicyDocument"])[0]
    split = trust["Condition"]["StringLike"]["aws:SourceArn"]["Fn::Split"]
    pattern, names = split[1]["Fn::Sub"]
    others = ":*,arn:*:logs:*:".join(accounts)
    arns = pattern.replace("${Others}", others).split(",")
    assert names["Others"]["Fn::Join"][1] == {"Ref": "SourceAccountIds"}
    assert arns[1:] == [f"arn:*:logs:*:{account}:*" for account in accounts]
    direct, _ = render(IngestMode="Direct", SourceAccountIds=accounts)
    assert "LogsDestination" not in direct  # a destination needs the stream


def _joined(part: Any, accounts: list[str], organization: str = "") -> str:
    """One part of the destination policy's Fn::Join, with the account list, organization and ARN
    filled in (the stack `logreview` in eu-west-1 of 123456789012)."""
    if isinstance(part, str):
        return part
    if "Fn::Join" in part:
        delimiter, items = part["Fn::Join"]
        assert items == {"Ref": "SourceAccountIds"}
        return str(delimiter).join(accounts)
    return str(resolve(part, {**PSEUDO, "SourceOrganizationId": organization}))  # the Fn::Sub
