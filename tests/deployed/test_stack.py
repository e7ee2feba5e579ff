"""template.yaml deployed into the emulator, and its wiring driven end to end.

Per deployment (defaults, plus every other ingest mode): every resource exists; logs put into
both source groups reach archive/ and aggregates/ through the subscription (or the stream and
its mapping); the replay queue drives the processor; an invoke of DailyReport writes the three
report objects; every alarm and dashboard widget watches a metric the code emitted in this run;
each function's environment is exactly what its code reads.
"""

from __future__ import annotations

import json
from typing import Any

from stream_processor.decode import split_members
from stream_processor.sinks.metrics import NAMESPACE
from tests.support.aws import list_keys

from .conftest import Fed, Run, processor_name
from .emulator import INVOCATIONS, install
from .observe import (
    Metric,
    alarm_metrics,
    environment_reads,
    stack_names,
    widget_metrics,
)
from .probes import PROBES
from .stack import deploy, expected_resources

# Read by a library the function runs, not by our code.
LIBRARY_READS = {"POWERTOOLS_LOG_LEVEL": "Powertools Logger's level"}
# Read by a module a function imports, on a path only another function takes.
NOT_SET_HERE = {
    ("OnboardFunction", "HOME_ACCOUNT_ID"): "config.processing_account: onboarding aggregates no batch",
    ("RollupFunction", "ROLLUP_FUNCTION"): "daily_report.source.fanout: only DailyReport fans out to Rollup",
    # sinks.retention.lock_headers: only the archive, report and digest writers lock what they write
    ("RollupFunction", "OBJECT_LOCK_MODE"): "rollups are not evidence: nothing the rollup writes is locked",
    ("RollupFunction", "OBJECT_LOCK_DAYS"): "rollups are not evidence: nothing the rollup writes is locked",
    (
        "OnboardFunction",
        "OBJECT_LOCK_MODE",
    ): "the onboard function writes no object (sinks/ is imported for EMF)",
    (
        "OnboardFunction",
        "OBJECT_LOCK_DAYS",
    ): "the onboard function writes no object (sinks/ is imported for EMF)",
}
# Read by our code but rightly not set by the template.
NOT_SET = {
    "AWS_LAMBDA_FUNCTION_NAME": "set by the Lambda runtime",
    "AWS_REGION": "set by the Lambda runtime (the region an aggregate's origins name)",
    "AWS_DEFAULT_REGION": "set by the Lambda runtime; a command line's fallback for AWS_REGION",
    "POWERTOOLS_TRACE_DISABLED": "an operator's opt-out of tracing; unset keeps Tracing: Active working",
    "LOGREVIEW_STACK": "the CLI's stack for default parameter names; functions get the names themselves",
}


def test_every_resource_exists(fed: Fed) -> None:
    stack = fed.stack
    expected = expected_resources(stack.template, stack.parameters)
    listed = {name for name in stack.physical if name}
    assert listed == set(expected), "moto's CloudFormation skipped or added resources"
    missing_probe = {kind for kind in expected.values() if kind not in PROBES}
    assert not missing_probe, f"add an existence probe to tests/deployed/probes.py for {missing_probe}"
    absent = [name for name, kind in expected.items() if not PROBES[kind](stack, name, stack.physical[name])]
    assert absent == []
    assert len(expected) >= 40  # the template as of this suite: a shrinking count is a lost resource


OPTIONS_ON = {
    "AlertEmail": "oncall@example.com",
    "SecurityHubImport": "Enabled",
    "ProcessorReservedConcurrency": "5",
    "ReportBucketName": "logreview-options-on-bucket",
    "WeeklyReport": "Enabled",
    "LogGroupPrefixes": "/logreview-options/",
}


def test_optional_resources_exist_when_switched_on(moto_endpoint: str) -> None:
    """The conditioned resources (the e-mail subscription, ...) with every option switched on."""
    install()
    stack = deploy("logreview-options", "ap-south-1", OPTIONS_ON)
    expected = expected_resources(stack.template, stack.parameters)
    # resources of one ingest mode exclude the other's: each mode is deployed by the tests above
    modes = {
        "IsDirect",
        "IsKinesis",
        "IsProvisionedStream",
        "HasSourceAccounts",
        "HasSourceOrganization",
        "HasCrossAccountSources",  # the Logs destination needs the stream
    }
    resources = stack.template["Resources"].items()
    conditioned = {n for n, r in resources if "Condition" in r and r["Condition"] not in modes}
    assert conditioned <= set(expected)
    assert {name for name in stack.physical if name} == set(expected)
    assert "StreamProcessorSecurityHubPolicy" in expected  # the role policy of SecurityHubImport
    assert [n for n, kind in expected.items() if not PROBES[kind](stack, n, stack.physical[n])] == []
    assert stack.physical["ReportBucket"] == OPTIONS_ON["ReportBucketName"]
    processor = stack.client("lambda").get_function(FunctionName=stack.physical["StreamProcessorFunction"])
    assert processor["Concurrency"]["ReservedConcurrentExecutions"] == 5


def _archived_batches(fed: Fed) -> list[dict[str, Any]]:
    """The subscription payloads in archive/: each object's gzip members, decoded."""
    s3, bucket = fed.stack.client("s3"), fed.stack.physical["ReportBucket"]
    return [
        json.loads(member)
        for key in list_keys(s3, bucket, f"archive/dt={fed.day}/")  # the test day's (other tests add today's)
        for _, member in split_members(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    ]


def test_logs_reach_archive_and_aggregates(fed: Fed) -> None:
    s3 = fed.stack.client("s3")
    bucket = fed.stack.physical["ReportBucket"]
    batches = _archived_batches(fed)
    assert sorted(b["logGroup"] for b in batches) == sorted(fed.groups.values())  # one PutLogEvents each
    assert sum(len(b["logEvents"]) for b in batches) == fed.events
    assert list_keys(s3, bucket, f"aggregates/dt={fed.day}/")
    live = [i for i in INVOCATIONS.of(processor_name(fed)) if not i.errored and "events" in i.result]
    assert sum(i.result["events"] for i in live) == fed.events
    sources = {r.get("eventSource") for i in live for r in i.event.get("Records", [])} or {"direct"}
    if "LogStream" not in fed.stack.physical:  # Direct mode: one invocation per batch
        assert sources == {"direct"} and len(live) == len(batches)
        return
    # Kinesis mode: the batches came through the stream and its event source mapping, each
    # invocation holding at most the mapping's BatchSize records (one per subscription payload)
    assert sources == {"aws:kinesis"}, sources
    (mapping,) = fed.stack.client("lambda").list_event_source_mappings(
        EventSourceArn=fed.stack.client("kinesis").describe_stream_summary(
            StreamName=fed.stack.physical["LogStream"]
        )["StreamDescriptionSummary"]["StreamARN"]
    )["EventSourceMappings"]
    assert all(0 < len(i.event["Records"]) <= mapping["BatchSize"] for i in live)
    assert sum(len(i.event["Records"]) for i in live) == len(batches)
    # one shard (KinesisShardCount's default): the poller hands over everything in few invocations,
    # and an invocation spanning both groups is archived as one object under `mixed`
    assert len(live) == -(-len(batches) // mapping["BatchSize"]) == 1
    archived = list_keys(s3, bucket, f"archive/dt={fed.day}/")
    assert len(archived) == 1 and "/mixed/" in archived[0], archived


def test_replay_queue_drives_the_processor(run: Run) -> None:
    replays = [
        i
        for i in INVOCATIONS.of(processor_name(run.fed))
        if i.event.get("Records", [{}])[0].get("eventSource") == "aws:sqs"
    ]
    assert replays, "the replay queue's event source mapping did not invoke the processor"
    assert all(i.result == {"batchItemFailures": []} for i in replays)
    body = json.loads(replays[0].event["Records"][0]["body"])
    assert body["key"] == run.replayed_key
    assert run.replayed_partial in list_keys(run.fed.stack.client("s3"), run.bucket, "aggregates/")


def test_bad_payload_is_quarantined(run: Run) -> None:
    assert list_keys(run.fed.stack.client("s3"), run.bucket, "quarantine/")


def test_daily_report_writes_three_objects(run: Run) -> None:
    day = run.fed.day.replace("-", "/")
    keys = list_keys(run.fed.stack.client("s3"), run.bucket, f"reports/{day}/")
    reports = [k for k in keys if k.rsplit("/", 1)[1].startswith("log_review.") and "/rows/" not in k]
    assert [k.rsplit("/", 1)[1] for k in reports] == [
        "log_review.gz",
        "log_review.html",
        "log_review.json.gz",
    ]
    assert sorted(run.report["keys"]) == reports
    others = [k.removeprefix(f"reports/{day}/") for k in keys if k not in reports]
    assert others == ["aggregate.json.gz", "rows/log_review.jsonl.gz", "seen.json.gz"]
    assert run.report["totals"]["events"] == run.fed.events
    assert run.report["notification"], "the summary was not published to the alert topic"


def _watched_exists(run: Run, metric: Metric) -> bool:
    """Ours must have been emitted in this run; AWS's must name a resource of this stack."""
    namespace, _, dims = metric
    if namespace.startswith("AWS/"):
        return all(value in stack_names(run.fed.stack) for _, value in dims)
    return metric in run.emitted


def test_alarms_watch_metrics_the_code_emitted(run: Run) -> None:
    alarms = run.fed.stack.client("cloudwatch").describe_alarms()["MetricAlarms"]
    names = {run.fed.stack.physical[n] for n in run.fed.stack.resources_of("AWS::CloudWatch::Alarm")}
    ours = [a for a in alarms if a["AlarmName"] in names]
    assert len(ours) == len(names)
    unmatched = [(a["AlarmName"], m) for a in ours for m in alarm_metrics(a) if not _watched_exists(run, m)]
    assert unmatched == [], f"emitted in this run: {sorted(m for m in run.emitted if m[0] == NAMESPACE)}"


def test_dashboard_widgets_watch_metrics_the_code_emitted(run: Run) -> None:
    stack = run.fed.stack
    cloudwatch = stack.client("cloudwatch")
    alarm_arns = {a["AlarmArn"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    for name in stack.resources_of("AWS::CloudWatch::Dashboard"):
        body = json.loads(cloudwatch.get_dashboard(DashboardName=stack.physical[name])["DashboardBody"])
        metrics = list(widget_metrics(body))
        assert metrics
        assert [m for m in metrics if not _watched_exists(run, m)] == []
        shown = {arn for w in body["widgets"] if w["type"] == "alarm" for arn in w["properties"]["alarms"]}
        assert shown <= alarm_arns


def test_function_environment_is_what_the_code_reads(fed: Fed) -> None:
    lam = fed.stack.client("lambda")
    for logical in fed.stack.resources_of("AWS::Lambda::Function"):
        config = lam.get_function_configuration(FunctionName=fed.stack.physical[logical])
        variables = set(config.get("Environment", {}).get("Variables", {}))
        reads = environment_reads(config["Handler"])
        here = {v for f, v in NOT_SET_HERE if f == logical}
        assert reads - variables - set(NOT_SET) - here == set(), (
            f"{logical} reads variables its deployment does not set"
        )
        assert variables - reads - set(LIBRARY_READS) == set(), f"{logical} sets variables nothing reads"
