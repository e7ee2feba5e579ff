"""template.yaml for operability: tracing on every function, reconciliation wired and alarmed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import load

from daily_report.reconcile.run import GAP_METRIC

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return dict(load(str(TEMPLATE))["Resources"])


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: res for name, res in resources.items() if res["Type"] == kind}


def _statements(role: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        statement["Sid"]: statement
        for policy in role["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if "Sid" in statement  # not the Fn::If-conditioned statements of one ingest mode
    }


def test_every_function_is_traced_and_its_role_may_write_traces(resources: dict[str, Any]) -> None:
    functions = _of_type(resources, "AWS::Serverless::Function")
    assert functions
    for name, function in functions.items():
        assert function["Properties"]["Tracing"] == "Active", name
        role = resources[function["Properties"]["Role"]["Fn::GetAtt"][0]]
        traces = _statements(role)["WriteTraces"]
        assert sorted(traces["Action"]) == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], name


def test_daily_job_can_reconcile_with_least_privilege(resources: dict[str, Any]) -> None:
    role = _statements(resources["DailyReportRole"])
    assert sorted(role["ReadLogMetrics"]["Action"]) == ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"]
    assert role["CountWithInsights"]["Action"] == "logs:StartQuery"
    assert role["CountWithInsights"]["Resource"] != "*"  # only the two reviewed groups
    env = resources["DailyReportFunction"]["Properties"]["Environment"]["Variables"]
    assert env["FAILURE_QUEUE_URL"] == {"Ref": "FailureQueue"}
    assert env["SUBSCRIPTION_FILTER_PREFIX"] == {"Fn::Sub": "${AWS::StackName}-"}


def test_subscription_filter_names_start_with_the_reconcile_prefix(resources: dict[str, Any]) -> None:
    filters = _of_type(resources, "AWS::Logs::SubscriptionFilter")
    assert filters
    for name, found in filters.items():
        assert found["Properties"]["FilterName"]["Fn::Sub"].startswith("${AWS::StackName}-"), name


def test_reconcile_gap_and_delivery_errors_are_alarmed(resources: dict[str, Any]) -> None:
    gap = resources["ReconcileGapAlarm"]["Properties"]
    assert (gap["Namespace"], gap["MetricName"], gap["ComparisonOperator"]) == (
        "LogProcessor",
        GAP_METRIC,
        "GreaterThanThreshold",
    )
    (query,) = resources["SubscriptionDeliveryErrorsAlarm"]["Properties"]["Metrics"]
    text = query["Expression"]["Fn::Sub"]
    # AWS/Logs publishes DeliveryErrors per (LogGroupName, DestinationType, FilterName): the query's
    # schema is that exact set, and it names every subscription filter of the template (both modes).
    schema = re.search(r'SCHEMA\("AWS/Logs", ([^)]*)\)', text)
    assert schema is not None and sorted(schema.group(1).split(", ")) == [
        "DestinationType",
        "FilterName",
        "LogGroupName",
    ]
    assert text.startswith("SELECT SUM(DeliveryErrors) FROM") and query["Period"] == 300
    named = set(re.findall(r"FilterName = '([^']*)'", text))
    filters = _of_type(resources, "AWS::Logs::SubscriptionFilter")
    onboarded = "${AWS::StackName}-onboard"  # stream_processor.onboard's filter (Target.filter_name)
    assert named == {f["Properties"]["FilterName"]["Fn::Sub"] for f in filters.values()} | {onboarded}


def test_rejected_emf_documents_of_every_function_are_alarmed(resources: dict[str, Any]) -> None:
    """EMF lines CloudWatch rejects lose every metric in them, and the alarms on those metrics."""
    metrics = resources["EmfRejectedAlarm"]["Properties"]["Metrics"]
    watched = {
        (m["MetricStat"]["Metric"]["MetricName"], m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"])
        for m in metrics
        if "MetricStat" in m
    }
    groups = {
        f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        for f in _of_type(resources, "AWS::Serverless::Function").values()
    }
    # the Evidence function emits no metrics: a failed seal lands in FailureQueue (FailureQueueDepth)
    groups -= {"EvidenceLogGroup"}
    assert watched == {(name, g) for name in ("EMFValidationErrors", "EMFParsingErrors") for g in groups}
    (expression,) = [m for m in metrics if m.get("ReturnData")]
    assert sorted(re.findall(r"FILL\((\w+), 0\)", expression["Expression"])) == sorted(
        m["Id"] for m in metrics if "MetricStat" in m
    )
    for m in metrics:
        if "MetricStat" in m:
            assert m["MetricStat"]["Metric"]["Namespace"] == "AWS/Logs"
            assert m["MetricStat"]["Metric"]["Dimensions"][0]["Name"] == "LogGroupName"


def test_weekly_report_schedule_is_optional_and_asks_for_the_previous_week() -> None:
    template = load(str(TEMPLATE))
    assert template["Parameters"]["WeeklyReport"]["Default"] == "Disabled"
    rule = template["Resources"]["WeeklyReportSchedule"]
    assert rule["Condition"] == "WantsWeeklyReport"
    target = rule["Properties"]["Targets"][0]
    assert target["Input"] == '{"period": "weekly"}'
    permission = template["Resources"]["WeeklyReportSchedulePermission"]["Properties"]
    assert permission["SourceArn"] == {"Fn::GetAtt": ["WeeklyReportSchedule", "Arn"]}
