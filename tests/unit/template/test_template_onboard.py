"""template.yaml's onboarding and organisation parts, rendered per deployment shape: the Onboard
function and its triggers, what its role may do, the config document's group lists, the
organisation form of the Logs destination policy, and the dashboard's alarm list."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import load

from stream_processor.config import parse_config
from stream_processor.errors import ConfigError
from stream_processor.onboard.selection import ONBOARD_SUFFIX
from tests.unit.template.test_template import PSEUDO, TEMPLATE_PATH, defaults, of_type, resolve, statements
from tests.unit.template.test_template_modes import _joined, render

ACCOUNTS = ["111111111111", "222222222222"]
ORGANIZATION = "o-a1b2c3d4e5"
ANY_GROUP = {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"}
PREFIXES = {"LogGroupPrefixes": ["/team/", "/aws/ecs/"]}


def role_statements(resources: dict[str, Any], role: str) -> dict[str, dict[str, Any]]:
    document = resources[role]["Properties"]["Policies"][0]["PolicyDocument"]
    return {s["Sid"]: s for s in statements(document)}


def test_defaults_deploy_the_sweep_but_no_create_rule_nor_any_group_permission() -> None:
    resources, _ = render()
    assert {"OnboardFunction", "OnboardRole", "OnboardSweepSchedule", "OnboardSweepPermission"} <= set(
        resources
    )
    assert {"OnboardFailuresAlarm", "OnboardErrorsAlarm", "OnboardLogGroup"} <= set(resources)
    assert not {"OnboardCreateLogGroupRule", "OnboardedLogsInvokePermission"} & set(resources)


@pytest.mark.parametrize("given", [PREFIXES, {"ExtraLogGroupNames": ["/app/api"]}])
def test_selected_groups_bring_the_create_rule_and_in_direct_mode_the_invoke_permission(
    given: dict[str, Any],
) -> None:
    resources, _ = render(**given)
    rule = resources["OnboardCreateLogGroupRule"]["Properties"]
    assert rule["EventPattern"] == {
        "source": ["aws.logs"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["logs.amazonaws.com"], "eventName": ["CreateLogGroup"]},
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["OnboardFunction", "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["FailureQueue", "Arn"]}}
    permission = resources["OnboardCreateLogGroupPermission"]["Properties"]
    assert permission["SourceArn"] == {"Fn::GetAtt": ["OnboardCreateLogGroupRule", "Arn"]}
    invoke = resources["OnboardedLogsInvokePermission"]["Properties"]
    assert invoke["FunctionName"] == {"Fn::GetAtt": ["StreamProcessorFunction", "Arn"]}
    assert (invoke["Principal"], invoke["SourceArn"]) == ("logs.amazonaws.com", ANY_GROUP)
    assert invoke["SourceAccount"] == {"Ref": "AWS::AccountId"}
    kinesis, _ = render(IngestMode="Kinesis", **given)
    assert "OnboardedLogsInvokePermission" not in kinesis and "OnboardCreateLogGroupRule" in kinesis


@pytest.mark.parametrize("mode", ["Direct", "Kinesis"])
def test_the_onboard_function_uses_the_stacks_destination_and_filter_prefix(mode: str) -> None:
    resources, _ = render(IngestMode=mode, **PREFIXES)
    env = resources["OnboardFunction"]["Properties"]["Environment"]["Variables"]
    assert env["SUBSCRIPTION_FILTER_PREFIX"] == {"Fn::Sub": "${AWS::StackName}-"}
    assert env["OWN_LOG_GROUP_PREFIX"] == {"Fn::Sub": "/aws/lambda/${AWS::StackName}-"}
    assert env["SUBSCRIPTION_FILTER_PATTERN"] == {"Ref": "SubscriptionFilterPattern"}
    granted = role_statements(resources, "OnboardRole")
    if mode == "Direct":
        assert env["SUBSCRIPTION_DESTINATION_ARN"] == {"Fn::GetAtt": ["StreamProcessorFunction", "Arn"]}
        assert env["SUBSCRIPTION_ROLE_ARN"] == "" and "PassTheStreamRole" not in granted
    else:
        assert env["SUBSCRIPTION_DESTINATION_ARN"] == {"Fn::GetAtt": ["LogStream", "Arn"]}
        assert env["SUBSCRIPTION_ROLE_ARN"] == {"Fn::GetAtt": ["LogsToKinesisRole", "Arn"]}
        assert granted["PassTheStreamRole"]["Resource"] == {"Fn::GetAtt": ["LogsToKinesisRole", "Arn"]}
    # the template's own filters carry the same prefix, so the sweep sees the seed groups as ours
    for sub in of_type(resources, "AWS::Logs::SubscriptionFilter").values():
        assert sub["Properties"]["FilterName"]["Fn::Sub"].startswith("${AWS::StackName}-")


def test_the_onboard_role_reads_and_subscribes_log_groups_and_nothing_else() -> None:
    resources, _ = render(IngestMode="Kinesis", **PREFIXES)
    granted = role_statements(resources, "OnboardRole")
    assert set(granted) == {
        "OwnLogGroup",
        "WriteTraces",
        "FindLogGroups",
        "SubscribeLogGroups",
        "PassTheStreamRole",
        "ReadConfig",
        "OnFailureDestination",
    }
    assert granted["FindLogGroups"]["Action"] == "logs:DescribeLogGroups"
    assert granted["SubscribeLogGroups"]["Action"] == [
        "logs:DescribeSubscriptionFilters",
        "logs:PutSubscriptionFilter",
    ]
    assert granted["FindLogGroups"]["Resource"] == granted["SubscribeLogGroups"]["Resource"] == ANY_GROUP
    actions = {
        a for s in granted.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not [
        a for a in actions if a.startswith(("logs:Delete", "logs:PutAccountPolicy", "s3:", "iam:Create"))
    ]
    assert all(s["Effect"] == "Allow" for s in granted.values())


def test_failures_are_alarmed_on_the_metric_the_handler_emits() -> None:
    resources, _ = render()
    alarm = resources["OnboardFailuresAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("LogProcessor", "OnboardFailures")
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "AlertTopic"}]
    # one sweep an hour re-reports a stuck group: the period spans it, so the alarm stays in ALARM
    assert alarm["Period"] == 3600 and alarm["Statistic"] == "Maximum"
    template = dict(load(str(TEMPLATE_PATH)))
    assert template["Parameters"]["OnboardSchedule"]["Default"] == "rate(1 hour)"


def _config_document(**given: Any) -> dict[str, Any]:
    """The ConfigParameter's JSON for these parameter values (the lists' Fn::Join done here)."""
    template = dict(load(str(TEMPLATE_PATH)))
    resources, values = render(**given)
    text, names = resources["ConfigParameter"]["Properties"]["Value"]["Fn::Sub"]

    def joined(node: Any) -> str:
        if isinstance(node, str):
            return node
        delimiter, items = node["Fn::Join"]
        if isinstance(items, dict):  # {"Ref": the list parameter}
            return str(delimiter).join(values[items["Ref"]])
        return str(delimiter).join(joined(item) for item in items)

    filled = {name: joined(node) for name, node in names.items()}
    return dict(json.loads(resolve({"Fn::Sub": text}, {**defaults(template), **values, **PSEUDO, **filled})))


def test_the_config_document_carries_the_group_lists_and_parses() -> None:
    assert _config_document()["LogConfig"]["LogGroups"] == []
    doc = _config_document(ExtraLogGroupNames=["/app/api", "/app/worker"], LogGroupPrefixes=["/team/"])
    assert doc["LogConfig"]["LogGroups"] == ["/app/api", "/app/worker"]
    assert doc["LogConfig"]["LogGroupPrefixes"] == ["/team/"]
    config = parse_config(doc)
    assert config.log_groups == ("/admin/logs", "/operator/logs", "/app/api", "/app/worker")
    assert config.log_group_prefixes == ("/team/",)


def _destination_policy(**given: Any) -> dict[str, Any]:
    resources, _ = render(IngestMode="Kinesis", **given)
    props = resources["LogsDestination"]["Properties"]
    accounts, organization = given.get("SourceAccountIds", []), given.get("SourceOrganizationId", "")
    parts = props["DestinationPolicy"]["Fn::Join"][1]
    return dict(json.loads("".join(_joined(part, accounts, organization) for part in parts)))


DESTINATION = "arn:aws:logs:eu-west-1:123456789012:destination:logreview-logs"


def test_an_organization_may_subscribe_through_principal_org_id() -> None:
    policy = _destination_policy(SourceOrganizationId=ORGANIZATION)
    (statement,) = policy["Statement"]
    assert statement["Principal"] == "*" and statement["Effect"] == "Allow"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION}}
    assert statement["Action"] == ["logs:PutSubscriptionFilter", "logs:PutAccountPolicy"]
    assert statement["Resource"] == DESTINATION


def test_accounts_and_an_organization_together_give_two_statements() -> None:
    policy = _destination_policy(SourceAccountIds=ACCOUNTS, SourceOrganizationId=ORGANIZATION)
    accounts, organization = policy["Statement"]
    assert accounts["Principal"] == {"AWS": ACCOUNTS} and "Condition" not in accounts
    assert organization["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == ORGANIZATION
    assert {accounts["Resource"], organization["Resource"]} == {DESTINATION}


def test_an_organization_needs_kinesis_and_a_valid_id() -> None:
    direct, _ = render(SourceOrganizationId=ORGANIZATION)
    assert "LogsDestination" not in direct
    pattern = dict(load(str(TEMPLATE_PATH)))["Parameters"]["SourceOrganizationId"]["AllowedPattern"]
    assert re.fullmatch(pattern, ORGANIZATION) and re.fullmatch(pattern, "")
    assert not re.fullmatch(pattern, "123456789012") and not re.fullmatch(pattern, "o-x")


def test_the_stream_role_trusts_any_account_of_the_region_only_with_an_organization() -> None:
    resources, _ = render(IngestMode="Kinesis", SourceOrganizationId=ORGANIZATION)
    (trust,) = statements(resources["LogsToKinesisRole"]["Properties"]["AssumeRolePolicyDocument"])
    assert trust["Condition"]["StringLike"]["aws:SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:*:*"
    }
    accounts_only, _ = render(IngestMode="Kinesis", SourceAccountIds=ACCOUNTS)
    (trust,) = statements(accounts_only["LogsToKinesisRole"]["Properties"]["AssumeRolePolicyDocument"])
    assert "Fn::Split" in trust["Condition"]["StringLike"]["aws:SourceArn"]


def test_the_dashboard_lists_every_alarm() -> None:
    resources, _ = render()
    body = resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    listed = set(re.findall(r"\$\{(\w+)\.Arn\}", body.split('"type": "metric"')[0]))
    alarms = set(of_type(resources, "AWS::CloudWatch::Alarm"))
    assert {"EmfRejectedAlarm", "SubscriptionDeliveryErrorsAlarm", "OnboardFailuresAlarm"} <= listed
    assert listed == alarms - {"ReconcileGapAlarm", "RollupErrorsAlarm", "RollupMissingAlarm"}


def test_the_filter_name_the_code_writes_is_the_one_the_delivery_errors_alarm_watches() -> None:
    resources, _ = render()
    (query,) = resources["SubscriptionDeliveryErrorsAlarm"]["Properties"]["Metrics"]
    assert f"FilterName = '${{AWS::StackName}}-{ONBOARD_SUFFIX}'" in query["Expression"]["Fn::Sub"]


def test_the_report_may_count_extra_groups_with_insights_only_when_there_are_some() -> None:
    """The report reconciles LogConfig.LogGroups too (Config.log_groups): its Insights fallback
    needs StartQuery on them; without extra groups it stays on the two seed groups."""

    def start_query(resources: dict[str, Any]) -> list[Any]:
        (statement,) = [
            s
            for s in role_statements(resources, "DailyReportRole").values()
            if s["Sid"] == "CountWithInsights"
        ]
        return list(statement["Resource"])

    seeds = [{"Fn::GetAtt": ["AdminLogGroup", "Arn"]}, {"Fn::GetAtt": ["OperatorLogGroup", "Arn"]}]
    assert start_query(render()[0]) == seeds
    assert start_query(render(ExtraLogGroupNames=["/app/api"])[0]) == [*seeds, ANY_GROUP]


@pytest.mark.parametrize("parameter", ["ExtraLogGroupNames", "LogGroupPrefixes"])
@pytest.mark.parametrize("value", ["/app/api", "/aws/ecs/", "a#b.c-d_e", 'x", "y', "bad name", "/" * 513])
def test_each_listed_value_is_what_the_config_accepts(parameter: str, value: str) -> None:
    """CloudFormation checks each value of the list against AllowedPattern: the same names the
    config document accepts, so a deploy can never write a document the functions refuse."""
    pattern = dict(load(str(TEMPLATE_PATH)))["Parameters"][parameter]["AllowedPattern"]
    key = "LogGroups" if parameter == "ExtraLogGroupNames" else "LogGroupPrefixes"
    doc = _config_document()
    doc["LogConfig"][key] = [value]
    try:
        parse_config(doc)
        accepted = True
    except ConfigError:
        accepted = False
    assert bool(re.fullmatch(pattern, value)) == accepted


def test_every_deploy_of_this_stack_ends_in_a_sweep() -> None:
    resources, _ = render()
    rule = resources["OnboardAfterDeployRule"]["Properties"]
    assert rule["EventPattern"] == {
        "source": ["aws.cloudformation"],
        "detail-type": ["CloudFormation Stack Status Change"],
        "detail": {
            "stack-id": [{"Ref": "AWS::StackId"}],  # this stack only
            "status-details": {"status": ["CREATE_COMPLETE", "UPDATE_COMPLETE"]},
        },
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["OnboardFunction", "Arn"]}
    permission = resources["OnboardAfterDeployPermission"]["Properties"]
    assert permission["SourceArn"] == {"Fn::GetAtt": ["OnboardAfterDeployRule", "Arn"]}


def test_the_report_may_list_log_groups_only_when_there_are_prefixes() -> None:
    """Reconciliation lists the groups under LogConfig.LogGroupPrefixes (DescribeLogGroups);
    without prefixes the daily report's role has no such permission."""
    assert "FindPrefixedLogGroups" not in role_statements(render()[0], "DailyReportRole")
    assert "FindPrefixedLogGroups" not in role_statements(
        render(ExtraLogGroupNames=["/a"])[0], "DailyReportRole"
    )
    found = role_statements(render(**PREFIXES)[0], "DailyReportRole")["FindPrefixedLogGroups"]
    assert found["Action"] == "logs:DescribeLogGroups" and found["Resource"] == ANY_GROUP
