"""template.yaml says what issue 4 asks: retention, subscriptions, least privilege, alarms, schedule.

The template is loaded with cfn-lint's decoder, so `!Ref`/`!Sub`/`!GetAtt` arrive as their
long forms ({"Ref": ...}, {"Fn::Sub": ...}); `resolve` evaluates the few intrinsics the
assertions need with the parameter defaults.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file
from cfnlint.decode.cfn_yaml import load

from stream_processor.config import DEFAULT_DOCUMENT, parse_config
from tests.support.cfn_conditions import evaluate

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE_PATH = ROOT / "template.yaml"
AGENT_PATH = ROOT / "agent" / "amazon-cloudwatch-agent.json"
PSEUDO = {
    "AWS::Region": "eu-west-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "logreview",
}
BUCKET = "logreview-reportbucket-abc"
CONDITIONS: dict[str, Any] = dict(load(str(TEMPLATE_PATH)))["Conditions"]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return dict(load(str(TEMPLATE_PATH)))


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"])


def defaults(template: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {k: v.get("Default") for k, v in template["Parameters"].items()}
    for name, resource in template["Resources"].items():
        values.setdefault(name, f"<{name}>")
        if resource["Type"] == "AWS::S3::Bucket":
            values[name] = BUCKET
    return {**values, **PSEUDO}


def resolve(node: Any, values: dict[str, Any]) -> Any:
    """Evaluate Ref, Fn::GetAtt (as `<Name.Attr>`), Fn::If and Fn::Sub with parameter defaults."""
    if isinstance(node, dict) and len(node) == 1:
        ((key, arg),) = node.items()
        if key == "Ref":
            return values[arg]
        if key == "Fn::GetAtt":
            return "<{}.{}>".format(*arg)
        if key == "Fn::If":
            name, yes, no = arg
            return resolve(yes if evaluate({"Condition": name}, values, CONDITIONS) else no, values)
        if key == "Fn::Sub" and isinstance(arg, list):
            text, names = arg
            return resolve({"Fn::Sub": text}, {**values, **{k: resolve(v, values) for k, v in names.items()}})
        if key == "Fn::Sub" and isinstance(arg, str):

            def sub(match: re.Match[str]) -> str:
                name = match.group(1)
                if name.startswith("!"):
                    return "${" + name[1:] + "}"
                if "." in name:
                    return f"<{name}>"
                return str(values[name])

            return re.sub(r"\$\{([^}]+)\}", sub, arg)
    if isinstance(node, dict):
        return {k: resolve(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, values) for v in node]
    return node


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements, with a conditional one (`Fn::If`, e.g. Kinesis mode's) taken as present."""
    found = document["Statement"]
    out = []
    for item in list(found) if isinstance(found, list) else [found]:
        if isinstance(item, dict) and set(item) == {"Fn::If"}:
            out.extend(b for b in item["Fn::If"][1:] if b != {"Ref": "AWS::NoValue"})
        else:
            out.append(item)
    return out


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def policy_documents(resources: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, resource in resources.items():
        props = resource.get("Properties", {})
        for policy in props.get("Policies", []):
            yield name, policy["PolicyDocument"]
        for key in ("PolicyDocument", "KeyPolicy"):
            if key in props:
                yield name, props[key]


def role_statements(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [s for p in resources[role]["Properties"]["Policies"] for s in statements(p["PolicyDocument"])]


def allowed(resources: dict[str, Any], role: str, action: str, values: dict[str, Any]) -> list[str]:
    """The resources (resolved to strings) a role's inline policies allow `action` on."""
    out: list[str] = []
    for statement in role_statements(resources, role):
        if statement["Effect"] == "Allow" and action in as_list(statement["Action"]):
            out += [str(resolve(r, values)) for r in as_list(statement["Resource"])]
    return out


# ------------------------------------------------------------------ validation


def test_cfn_lint_reports_no_errors_or_warnings() -> None:
    matches = [m for m in lint_file(TEMPLATE_PATH) if m.rule.id[0] in "EW"]
    assert matches == []


def test_every_checkov_skip_has_a_reason(resources: dict[str, Any]) -> None:
    skips = [
        (name, skip)
        for name, resource in resources.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), name
        assert len(skip.get("comment", "")) > 40, f"{name} {skip['id']}: give a reason"


# -------------------------------------------------------------- log groups


def test_source_log_groups_have_retention_and_tags(template: dict[str, Any]) -> None:
    values = defaults(template)
    groups = {"AdminLogGroup": "/admin/logs", "OperatorLogGroup": "/operator/logs"}
    for name, log_group_name in groups.items():
        props = template["Resources"][name]["Properties"]
        assert resolve(props["LogGroupName"], values) == log_group_name
        assert props["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        tags = {t["Key"]: t["Value"] for t in props["Tags"]}
        assert tags["Environment"] == {"Ref": "Environment"}
        assert tags["Purpose"]
    assert values["LogRetentionDays"] == 30


def test_function_log_groups_declared_with_retention(resources: dict[str, Any]) -> None:
    functions = of_type(resources, "AWS::Serverless::Function")
    assert set(functions) == {
        "StreamProcessorFunction",
        "DailyReportFunction",
        "RollupFunction",
        "EvidenceFunction",
        "OnboardFunction",
    }
    for function in functions.values():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "FunctionLogRetentionDays"}


def test_two_subscription_filters_per_mode_and_no_recursion(resources: dict[str, Any]) -> None:
    filters = of_type(resources, "AWS::Logs::SubscriptionFilter")
    for mode, target in (("IsDirect", "StreamProcessorFunction"), ("IsKinesis", "LogStream")):
        chosen = [f for f in filters.values() if f["Condition"] == mode]
        groups = {f["Properties"]["LogGroupName"]["Ref"] for f in chosen}
        assert groups == {"AdminLogGroup", "OperatorLogGroup"}
        for sub in chosen:
            assert sub["Properties"]["DestinationArn"] == {"Fn::GetAtt": [target, "Arn"]}
    for sub in filters.values():
        if sub["Condition"] == "IsDirect":
            assert "DependsOn" in sub  # the invoke permission exists before the filter tests it
        else:
            assert sub["Properties"]["RoleArn"] == {"Fn::GetAtt": ["LogsToKinesisRole", "Arn"]}


def test_invoke_permissions_restricted_to_each_log_group_and_account(
    resources: dict[str, Any],
) -> None:
    from_logs = {
        name: p
        for name, p in of_type(resources, "AWS::Lambda::Permission").items()
        if p["Properties"]["Principal"] == "logs.amazonaws.com"
    }
    # onboarded groups (Direct mode with extra groups only): any group of this account and region
    onboarded = from_logs.pop("OnboardedLogsInvokePermission")
    assert onboarded["Condition"] == "OnboardsDirect"
    assert onboarded["Properties"]["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
    }
    assert onboarded["Properties"]["SourceAccount"] == {"Ref": "AWS::AccountId"}
    permissions = {p["Properties"]["SourceArn"]["Fn::GetAtt"][0]: p["Properties"] for p in from_logs.values()}
    assert set(permissions) == {"AdminLogGroup", "OperatorLogGroup"}
    for group, props in permissions.items():
        assert props["SourceArn"] == {"Fn::GetAtt": [group, "Arn"]}
        assert props["SourceAccount"] == {"Ref": "AWS::AccountId"}
        assert props["FunctionName"] == {"Fn::GetAtt": ["StreamProcessorFunction", "Arn"]}
        assert props["Action"] == "lambda:InvokeFunction"


# ------------------------------------------------------------------ bucket


def test_bucket_encrypted_private_versioned(resources: dict[str, Any]) -> None:
    props = resources["ReportBucket"]["Properties"]
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    assert resources["ReportBucket"]["DeletionPolicy"] == "Retain"


def test_bucket_lifecycle_per_prefix_parameterised(resources: dict[str, Any]) -> None:
    rules = {
        r.get("Prefix"): r for r in resources["ReportBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    }
    archive = rules["archive/"]
    assert [t["StorageClass"] for t in archive["Transitions"]] == ["STANDARD_IA", "GLACIER_IR"]
    assert archive["ExpirationInDays"] == {"Ref": "ArchiveExpirationDays"}
    for prefix in ("aggregates/", "rollups/", "quarantine/", "reports/"):
        assert "Ref" in rules[prefix]["ExpirationInDays"], prefix
    for rule in rules.values():
        for key in ("ExpirationInDays", "NoncurrentVersionExpiration"):
            if key in rule:
                assert "Ref" in json.dumps(rule[key]), f"{rule['Id']}: {key} is a parameter"


def test_bucket_policy_denies_plain_http_and_unencrypted_puts(resources: dict[str, Any]) -> None:
    policy = resources["ReportBucketPolicy"]["Properties"]["PolicyDocument"]
    denies = [s for s in statements(policy) if s["Effect"] == "Deny"]
    tls = [s for s in denies if s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")]
    assert tls and tls[0]["Condition"]["Bool"]["aws:SecureTransport"] == "false"
    assert len(as_list(tls[0]["Resource"])) == 2  # bucket and objects
    sse = [s for s in denies if "StringNotEquals" in s.get("Condition", {})]
    assert sse[0]["Action"] == "s3:PutObject"
    assert sse[0]["Condition"]["StringNotEquals"] == {"s3:x-amz-server-side-encryption": "AES256"}


# --------------------------------------------------------------------- IAM


def test_no_wildcard_actions_anywhere(resources: dict[str, Any]) -> None:
    for name, document in policy_documents(resources):
        for statement in statements(document):
            actions = as_list(statement.get("Action", []))
            assert "*" not in actions, name
            if resources[name]["Type"] == "AWS::IAM::Role":
                assert not [a for a in actions if "*" in a], f"{name}: {actions}"


# Actions that accept no resource-level scope (per the IAM service authorization reference).
UNSCOPED_ACTIONS = frozenset(
    {
        "xray:PutTraceSegments",  # Tracing: Active
        "xray:PutTelemetryRecords",
        "cloudwatch:GetMetricData",  # reconciliation reads AWS/Logs metrics
        "cloudwatch:ListMetrics",
        "logs:GetQueryResults",  # reconciliation's Logs Insights fallback
        "logs:StopQuery",
    }
)


def test_star_resource_only_where_aws_offers_no_narrower_scope(resources: dict[str, Any]) -> None:
    for role in of_type(resources, "AWS::IAM::Role"):
        for statement in role_statements(resources, role):
            if "*" not in as_list(statement["Resource"]):
                continue
            if statement["Action"] == "cloudwatch:PutMetricData":
                condition = statement["Condition"]["StringEquals"]
                assert condition == {"cloudwatch:namespace": "LogProcessor"}
                continue
            assert set(as_list(statement["Action"])) <= UNSCOPED_ACTIONS, role


def test_each_function_has_its_own_role(resources: dict[str, Any]) -> None:
    roles = [
        f["Properties"]["Role"]["Fn::GetAtt"][0]
        for f in of_type(resources, "AWS::Serverless::Function").values()
    ]
    assert sorted(roles) == [
        "DailyReportRole",
        "EvidenceRole",
        "OnboardRole",
        "RollupRole",
        "StreamProcessorRole",
    ]


def test_s3_access_limited_to_each_functions_prefixes(template: dict[str, Any]) -> None:
    values, res = defaults(template), template["Resources"]
    objects = "<ReportBucket.Arn>"  # how resolve() renders ${ReportBucket.Arn}
    stream_writes = allowed(res, "StreamProcessorRole", "s3:PutObject", values)
    assert sorted(stream_writes) == sorted(
        f"{objects}/{p}/*" for p in ("archive", "aggregates", "quarantine", "alerts")
    )
    stream_reads = allowed(res, "StreamProcessorRole", "s3:GetObject", values)
    # ReplaySourcePrefix defaults to archive/; alerts/ holds the notification dedup state
    assert set(stream_reads) == {f"{objects}/archive/*", f"{objects}/alerts/*"}
    assert allowed(res, "DailyReportRole", "s3:PutObject", values) == [f"{objects}/reports/*"]
    assert sorted(allowed(res, "DailyReportRole", "s3:GetObject", values)) == [
        f"{objects}/aggregates/*",
        f"{objects}/archive/*",  # to rebuild a bundle that overlaps batches already counted
        f"{objects}/reports/*",
        f"{objects}/rollups/*",
    ]
    assert allowed(res, "RollupRole", "s3:PutObject", values) == [f"{objects}/rollups/*"]
    assert sorted(allowed(res, "RollupRole", "s3:GetObject", values)) == [
        f"{objects}/aggregates/*",
        f"{objects}/archive/*",  # to rebuild a bundle that overlaps batches already counted
        f"{objects}/rollups/*",
    ]
    assert allowed(res, "StreamProcessorRole", "s3:ListBucket", values) == []
    assert allowed(res, "EvidenceRole", "s3:PutObject", values) == [f"{objects}/evidence/*"]
    assert sorted(allowed(res, "EvidenceRole", "s3:GetObject", values)) == [
        f"{objects}/{p}/*" for p in ("archive", "evidence", "reports")
    ]
    assert allowed(res, "EvidenceRole", "kms:Sign", values) == ["<EvidenceKey.Arn>"]


def test_ssm_sns_sqs_scoped_to_their_one_resource(template: dict[str, Any]) -> None:
    values, res = defaults(template), template["Resources"]
    parameter = "arn:aws:ssm:eu-west-1:123456789012:parameter<ConfigParameter>"
    user_rules = "arn:aws:ssm:eu-west-1:123456789012:parameter/logreview/logreview/user-rules"
    for role in ("StreamProcessorRole", "DailyReportRole", "RollupRole"):
        assert allowed(res, role, "ssm:GetParameter", values) == [parameter, user_rules]
        assert allowed(res, role, "sqs:SendMessage", values) == ["<FailureQueue.Arn>"]
    for role in ("StreamProcessorRole", "DailyReportRole"):
        assert allowed(res, role, "sns:Publish", values) == ["<AlertTopic>"]
        assert allowed(res, role, "kms:GenerateDataKey", values) == ["<AlertKey.Arn>"]
    assert allowed(res, "StreamProcessorRole", "cloudwatch:PutMetricData", values) == []  # EMF
    assert allowed(res, "DailyReportRole", "cloudwatch:PutMetricData", values) == ["*"]
    assert allowed(res, "StreamProcessorRole", "sqs:ReceiveMessage", values) == ["<ReplayQueue.Arn>"]


# ---------------------------------------------------------- configuration


def config_document(template: dict[str, Any]) -> dict[str, Any]:
    param = template["Resources"]["ConfigParameter"]["Properties"]
    assert param["Type"] == "String"
    assert resolve(param["Name"], defaults(template)) == "/logreview/logreview/config"  # the stack's own
    return dict(json.loads(resolve(param["Value"], defaults(template))))


def test_config_document_is_the_codes_default_document(template: dict[str, Any]) -> None:
    document = config_document(template)
    assert document["LogConfig"]["ReportBucket"] == BUCKET
    expected = json.loads(json.dumps(DEFAULT_DOCUMENT))
    expected["LogConfig"]["ReportBucket"] = BUCKET
    assert document == expected
    config = parse_config(document)
    assert config.error_rate_threshold == 0.05
    assert config.latency_threshold_ms == 1000


def test_functions_runtime_code_and_environment(resources: dict[str, Any]) -> None:
    expected = {
        "StreamProcessorFunction": "stream_processor.handler.lambda_handler",
        "DailyReportFunction": "daily_report.handler.lambda_handler",
    }
    for name, handler in expected.items():
        props = resources[name]["Properties"]
        assert props["Handler"] == handler
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["CodeUri"] == "build/logreview.zip"
        env = props["Environment"]["Variables"]
        assert env["REPORT_BUCKET"] == {"Ref": "ReportBucket"}
        assert env["CONFIG_PARAMETER"] == {"Ref": "ConfigParameter"}
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "LogProcessor"
        assert env["POWERTOOLS_SERVICE_NAME"]
    for name in ("StreamProcessorFunction", "DailyReportFunction"):
        env = resources[name]["Properties"]["Environment"]["Variables"]
        assert env["ALERT_TOPIC_ARN"] == {"Ref": "AlertTopic"}
    env = resources["StreamProcessorFunction"]["Properties"]["Environment"]["Variables"]
    assert env["ALERT_EVENT_BUS"] == {"Ref": "AlertEventBusName"}
    assert env["SECURITY_HUB_IMPORT"] == {"Fn::If": ["ImportToSecurityHub", "true", "false"]}


def test_async_failures_go_to_an_encrypted_queue(resources: dict[str, Any]) -> None:
    configs = of_type(resources, "AWS::Lambda::EventInvokeConfig")
    functions = {c["Properties"]["FunctionName"]["Ref"] for c in configs.values()}
    assert functions == {
        "StreamProcessorFunction",
        "DailyReportFunction",
        "RollupFunction",
        "EvidenceFunction",
        "OnboardFunction",
    }
    for config in configs.values():
        props = config["Properties"]
        assert props["MaximumRetryAttempts"] == 2
        assert 60 <= props["MaximumEventAgeInSeconds"] <= 21600
        assert props["DestinationConfig"]["OnFailure"]["Destination"] == {
            "Fn::GetAtt": ["FailureQueue", "Arn"]
        }
    for queue in of_type(resources, "AWS::SQS::Queue").values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_replay_queue_mapping_reports_batch_item_failures(resources: dict[str, Any]) -> None:
    props = resources["ReplayEventSourceMapping"]["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["ReplayQueue", "Arn"]}
    assert props["FunctionName"] == {"Ref": "StreamProcessorFunction"}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # 6 x the function timeout in each mode (tests/unit/template/test_template_modes.py renders both)
    visibility = resources["ReplayQueue"]["Properties"]["VisibilityTimeout"]
    timeout = resources["StreamProcessorFunction"]["Properties"]["Timeout"]
    assert visibility == {"Fn::If": ["IsKinesis", 1800, 360]}
    assert timeout == {"Fn::If": ["IsKinesis", 300, 60]}


def test_daily_report_runs_shortly_after_midnight_utc(template: dict[str, Any]) -> None:
    rule = template["Resources"]["DailyReportSchedule"]
    expression = resolve(rule["Properties"]["ScheduleExpression"], defaults(template))
    minute, hour, *_ = re.fullmatch(r"cron\((.*)\)", expression).group(1).split()  # type: ignore[union-attr]
    assert hour == "0" and int(minute) < 45
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["DailyReportFunction", "Arn"]}


# ------------------------------------------------------------------- alerts


def test_alert_topic_encrypted_and_email_optional(resources: dict[str, Any]) -> None:
    topic = resources["AlertTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": ["AlertKey", "Arn"]}
    key_policy = resources["AlertKey"]["Properties"]["KeyPolicy"]
    principals = [s["Principal"] for s in statements(key_policy)]
    assert {"Service": "cloudwatch.amazonaws.com"} in principals  # else alarms never arrive
    assert resources["AlertKey"]["Properties"]["EnableKeyRotation"] is True
    assert resources["AlertEmailSubscription"]["Condition"] == "HasAlertEmail"


def alarms(resources: dict[str, Any]) -> dict[str, Any]:
    return {n: r["Properties"] for n, r in of_type(resources, "AWS::CloudWatch::Alarm").items()}


def metric_names(alarm: dict[str, Any]) -> set[str]:
    if "MetricName" in alarm:
        return {alarm["MetricName"]}
    return {m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m}


def test_alarms_of_design_section_10_notify_the_topic(resources: dict[str, Any]) -> None:
    found = alarms(resources)
    for props in found.values():
        assert props["AlarmActions"] == [{"Ref": "AlertTopic"}]
    watched = {(p.get("Namespace", "LogProcessor"), m) for p in found.values() for m in metric_names(p)}
    wanted = {
        ("LogProcessor", "ErrorCount"),
        ("LogProcessor", "EventCount"),
        ("LogProcessor", "Latency"),
        ("LogProcessor", "Detections"),
        ("LogProcessor", "ReportGenerated"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    }
    assert wanted <= watched


def test_error_rate_alarm_uses_the_config_threshold(template: dict[str, Any]) -> None:
    alarm = alarms(template["Resources"])["HighLogProcessingErrorRate"]
    document = config_document(template)
    assert alarm["Threshold"] == {"Ref": "ErrorRateThreshold"}
    threshold = resolve(alarm["Threshold"], defaults(template))
    assert threshold == document["LogConfig"]["AlertThresholds"]["ErrorRate"]
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (2, 2)
    (expression,) = [m for m in alarm["Metrics"] if m.get("ReturnData")]
    assert "/" in expression["Expression"]
    stats = [m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m]
    assert {s["Period"] for s in stats} == {300}
    assert metric_names(alarm) == {"ErrorCount", "EventCount"}


def test_latency_alarms_p99_use_the_config_threshold(template: dict[str, Any]) -> None:
    document = config_document(template)
    latency = [a for a in alarms(template["Resources"]).values() if metric_names(a) == {"Latency"}]
    groups = {a["Dimensions"][0]["Value"]["Ref"] for a in latency}
    assert groups == {"AdminLogGroup", "OperatorLogGroup"}
    for alarm in latency:
        assert alarm["ExtendedStatistic"] == "p99"
        assert alarm["Threshold"] == {"Ref": "LatencyThresholdMs"}
        threshold = resolve(alarm["Threshold"], defaults(template))
        assert threshold == document["LogConfig"]["AlertThresholds"]["LatencyMs"]


def test_missing_report_and_silent_groups_treat_missing_data_as_breaching(
    resources: dict[str, Any],
) -> None:
    found = alarms(resources)
    report = found["ReportMissingAlarm"]
    assert report["MetricName"] == "ReportGenerated" and "Dimensions" not in report
    assert report["TreatMissingData"] == "breaching"
    assert report["Period"] * report["EvaluationPeriods"] <= 86400
    silent = [a for a in found.values() if a.get("MetricName") == "EventCount"]
    assert {a["Dimensions"][0]["Value"]["Ref"] for a in silent} == {
        "AdminLogGroup",
        "OperatorLogGroup",
    }
    assert all(a["TreatMissingData"] == "breaching" for a in silent)


def test_dlq_depth_alarm_watches_the_failure_queue(resources: dict[str, Any]) -> None:
    alarm = alarms(resources)["FailureQueueDepthAlarm"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["FailureQueue", "QueueName"]}}
    ]


def test_dashboard_is_json_with_per_group_panels(template: dict[str, Any]) -> None:
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]
    dashboard = json.loads(resolve(body, defaults(template)))
    metrics = [
        line
        for widget in dashboard["widgets"]
        for line in widget["properties"].get("metrics", [])
        if isinstance(line[0], str)
    ]
    for name in ("EventCount", "ErrorCount", "SecurityEventCount", "ProcessingTime"):
        groups = {line[3] for line in metrics if line[1] == name and len(line) > 3}
        assert groups == {"<AdminLogGroup>", "<OperatorLogGroup>"}, name
    latency_stats = {line[4]["stat"] for line in metrics if line[1] == "Latency"}
    assert {"p50", "p95", "p99"} <= latency_stats


def test_outputs_name_bucket_topic_queues_functions(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    for name in (
        "ReportBucketName",
        "AlertTopicArn",
        "ReplayQueueUrl",
        "FailureQueueUrl",
        "StreamProcessorFunctionName",
        "DailyReportFunctionName",
        "RollupFunctionName",
    ):
        assert name in outputs


# -------------------------------------------------------------------- agent


def test_agent_ships_admin_and_operator_files_with_multiline_and_timestamps(
    template: dict[str, Any],
) -> None:
    config = json.loads(AGENT_PATH.read_text())
    entries = config["logs"]["logs_collected"]["files"]["collect_list"]
    values = defaults(template)
    assert {e["log_group_name"] for e in entries} == {
        values["AdminLogGroupName"],
        values["OperatorLogGroupName"],
    }
    for entry in entries:
        assert entry["timestamp_format"] and entry["multi_line_start_pattern"]
        re.compile(entry["multi_line_start_pattern"])
        assert entry.get("retention_in_days", -1) == -1  # the template owns retention


# -------------------------------------------------------- detections (issue 17)


def test_processor_sends_detection_events_to_the_one_bus_only(template: dict[str, Any]) -> None:
    values, res = defaults(template), template["Resources"]
    bus = "arn:aws:events:eu-west-1:123456789012:event-bus/default"
    assert allowed(res, "StreamProcessorRole", "events:PutEvents", values) == [bus]
    assert allowed(res, "DailyReportRole", "events:PutEvents", values) == []


def test_security_hub_import_is_behind_a_parameter(template: dict[str, Any]) -> None:
    assert template["Parameters"]["SecurityHubImport"]["Default"] == "Disabled"
    assert template["Conditions"]["ImportToSecurityHub"] == {
        "Fn::Equals": [{"Ref": "SecurityHubImport"}, "Enabled"]
    }
    policy = template["Resources"]["StreamProcessorSecurityHubPolicy"]
    assert policy["Condition"] == "ImportToSecurityHub"
    assert policy["Properties"]["RoleName"] == {"Ref": "StreamProcessorRole"}
    (statement,) = statements(policy["Properties"]["PolicyDocument"])
    assert statement["Action"] == "securityhub:BatchImportFindings"
    product = resolve(statement["Resource"], defaults(template))
    assert product == "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"


def test_alert_state_expires_with_a_parameter(resources: dict[str, Any]) -> None:
    rules = {
        r.get("Prefix"): r for r in resources["ReportBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    }
    assert rules["alerts/"]["ExpirationInDays"] == {"Ref": "AlertStateExpirationDays"}


def detection_alarms(resources: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Alarm name → the (metric stat) definitions of every `Detections` metric it watches."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, props in alarms(resources).items():
        if props.get("MetricName") == "Detections":
            found[name] = [
                {
                    "Namespace": props["Namespace"],
                    "Dimensions": props["Dimensions"],
                    "Period": props["Period"],
                }
            ]
        for metric in props.get("Metrics", []):
            stat = metric.get("MetricStat")
            if stat and stat["Metric"]["MetricName"] == "Detections":
                found.setdefault(name, []).append({**stat["Metric"], "Period": stat["Period"]})
    return found


def test_security_alarm_watches_high_severity_detections_each_minute(resources: dict[str, Any]) -> None:
    found = detection_alarms(resources)
    severities = {
        d["Dimensions"][0]["Value"]
        for d in found["HighSeverityDetectionsAlarm"]
        if d["Dimensions"][0]["Name"] == "Severity"
    }
    assert severities == {"critical", "high"}
    assert all(d["Period"] == 60 and d["Namespace"] == "LogProcessor" for ds in found.values() for d in ds)
    assert not [a for a in alarms(resources).values() if "SecurityEventCount" in metric_names(a)]


def test_every_thresholded_rule_has_a_threshold_alarm(resources: dict[str, Any]) -> None:
    from stream_processor.alerting.policy import thresholded_groups

    thresholded = set(thresholded_groups())
    watched = {
        d["Dimensions"][0]["Value"]
        for ds in detection_alarms(resources).values()
        for d in ds
        if d["Dimensions"][0]["Name"] == "Rule"
    }
    assert watched == thresholded


# ------------------------------------------------------------------- rollups


def test_rollup_function_runs_a_few_minutes_past_every_hour(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    props = resources["RollupFunction"]["Properties"]
    assert props["Handler"] == "daily_report.rollup.lambda_handler"
    assert (props["Runtime"], props["Architectures"], props["Timeout"]) == ("python3.12", ["arm64"], 900)
    assert props["Environment"]["Variables"]["REPORT_BUCKET"] == {"Ref": "ReportBucket"}
    rule = resources["HourlyRollupSchedule"]["Properties"]
    expression = resolve(rule["ScheduleExpression"], defaults(template))
    minute, hour, *_ = re.fullmatch(r"cron\((.*)\)", expression).group(1).split()  # type: ignore[union-attr]
    assert hour == "*" and 1 <= int(minute) <= 15
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["RollupFunction", "Arn"]}
    assert rule["Targets"][0]["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["FailureQueue", "Arn"]}
    permission = resources["HourlyRollupSchedulePermission"]["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["HourlyRollupSchedule", "Arn"]}


def test_rollup_role_is_least_privilege(template: dict[str, Any]) -> None:
    values, res = defaults(template), template["Resources"]
    actions = sorted(a for s in role_statements(res, "RollupRole") for a in as_list(s["Action"]))
    assert actions == [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject",
        "sqs:SendMessage",
        "ssm:GetParameter",  # the rules, to rebuild a bundle that overlaps batches already counted
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    ]
    assert allowed(res, "RollupRole", "s3:ListBucket", values) == ["<ReportBucket.Arn>"]
    assert allowed(res, "RollupRole", "sqs:SendMessage", values) == ["<FailureQueue.Arn>"]


def test_daily_report_may_invoke_only_the_rollup_function_and_itself(template: dict[str, Any]) -> None:
    values, res = defaults(template), template["Resources"]
    itself = "arn:aws:lambda:eu-west-1:123456789012:function:logreview-daily-report"  # hand-offs
    name = resolve(res["DailyReportFunction"]["Properties"]["FunctionName"], values)
    assert name == itself.rsplit(":", 1)[1]
    assert allowed(res, "DailyReportRole", "lambda:InvokeFunction", values) == [
        "<RollupFunction.Arn>",
        itself,
        f"{itself}:*",
    ]
    assert allowed(res, "StreamProcessorRole", "lambda:InvokeFunction", values) == []
    env = res["DailyReportFunction"]["Properties"]["Environment"]["Variables"]
    assert env["ROLLUP_FUNCTION"] == {"Ref": "RollupFunction"}


def test_rollup_errors_and_missing_rollups_alarm(resources: dict[str, Any]) -> None:
    found = alarms(resources)
    errors = found["RollupErrorsAlarm"]
    assert (errors["Namespace"], errors["MetricName"]) == ("AWS/Lambda", "Errors")
    assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "RollupFunction"}}]
    missing = found["RollupMissingAlarm"]
    assert (missing["Namespace"], missing["MetricName"]) == ("LogProcessor", "RollupHours")
    assert missing["TreatMissingData"] == "breaching" and missing["Period"] == 3600
    assert missing["ComparisonOperator"] == "LessThanThreshold" and missing["Threshold"] == 1


def test_partials_may_expire_before_the_rollups_that_cover_them(template: dict[str, Any]) -> None:
    rules = {
        r.get("Prefix"): r
        for r in template["Resources"]["ReportBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    }
    assert rules["aggregates/"]["ExpirationInDays"] == {"Ref": "AggregatesExpirationDays"}
    assert rules["rollups/"]["ExpirationInDays"] == {"Ref": "RollupsExpirationDays"}
    params = template["Parameters"]
    assert params["AggregatesExpirationDays"]["Default"] < params["RollupsExpirationDays"]["Default"]


def test_catch_up_schedule_rolls_up_the_current_hour_every_quarter(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    rule = resources["CatchUpRollupSchedule"]["Properties"]
    assert resolve(rule["ScheduleExpression"], defaults(template)) == "rate(15 minutes)"
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["RollupFunction", "Arn"]}
    transform = target["InputTransformer"]
    assert transform["InputPathsMap"] == {"time": "$.time"}
    event = json.loads(transform["InputTemplate"].replace("<time>", '"2026-03-14T05:15:00Z"'))
    from daily_report.rollup.roller import event_hours

    assert [(str(day), hour) for day, hour in event_hours(event)] == [("2026-03-14", 5)]
    permission = resources["CatchUpRollupSchedulePermission"]["Properties"]
    assert permission["SourceArn"] == {"Fn::GetAtt": ["CatchUpRollupSchedule", "Arn"]}


# ------------------------------------------------------------------- evidence


def test_object_lock_retention_is_allowed_exactly_where_evidence_is_written(template: dict[str, Any]) -> None:
    """Each writer may set retention on its own evidence prefix only, and only with Object Lock on."""
    values, res = defaults(template), template["Resources"]
    objects = "<ReportBucket.Arn>"
    expected = {"StreamProcessorRole": "archive", "DailyReportRole": "reports", "EvidenceRole": "evidence"}
    for role in ("StreamProcessorRole", "DailyReportRole", "RollupRole", "EvidenceRole"):
        found = allowed(res, role, "s3:PutObjectRetention", values)
        assert found == ([f"{objects}/{expected[role]}/*"] if role in expected else []), role
        conditional = [
            item
            for policy in res[role]["Properties"]["Policies"]
            for item in policy["PolicyDocument"]["Statement"]
            if "Fn::If" in item and item["Fn::If"][1].get("Action") == "s3:PutObjectRetention"
        ]
        assert all(item["Fn::If"][0] == "HasObjectLock" for item in conditional), role
    bucket = res["ReportBucket"]["Properties"]
    assert bucket["ObjectLockEnabled"] == {"Fn::If": ["HasObjectLock", True, {"Ref": "AWS::NoValue"}]}
    assert "Rule" not in bucket["ObjectLockConfiguration"]["Fn::If"][1]  # no bucket-wide default


def test_retention_is_never_longer_than_the_lifecycle_of_its_prefix(resources: dict[str, Any]) -> None:
    """OBJECT_LOCK_DAYS of each evidence writer is the expiration days of the prefix it locks."""
    rules = resources["ReportBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiry = {rule.get("Prefix"): rule.get("ExpirationInDays") for rule in rules}
    writers = {"StreamProcessorFunction": "archive/", "DailyReportFunction": "reports/"}
    for function, prefix in writers.items():
        env = resources[function]["Properties"]["Environment"]["Variables"]
        assert env["OBJECT_LOCK_MODE"] == {"Ref": "ObjectLockMode"}
        assert env["OBJECT_LOCK_DAYS"] == {"Fn::Sub": f"${{{expiry[prefix]['Ref']}}}"}, function
    assert "evidence/" not in expiry  # digests are kept: the chain needs every one
    env = resources["EvidenceFunction"]["Properties"]["Environment"]["Variables"]
    assert env["OBJECT_LOCK_DAYS"] == {"Fn::Sub": f"${{{expiry['reports/']['Ref']}}}"}


def test_the_evidence_schedule_and_its_dead_letters_are_allowed(resources: dict[str, Any]) -> None:
    policy = resources["FailureQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    sources = policy["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert {
        "Fn::If": ["HasEvidenceDigest", {"Fn::GetAtt": ["EvidenceSchedule", "Arn"]}, {"Ref": "AWS::NoValue"}]
    } in sources
    key = resources["EvidenceKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert resources["EvidenceKey"]["DeletionPolicy"] == "Retain"  # old digests stay verifiable
