"""Deployed stacks on the session's moto server, one per ingest mode, each in its own region.

The deployments follow template.yaml: one with every default, one more for each other allowed
value of `IngestMode` (when the template has that parameter), each fed with a small day of logs.
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass
from typing import Any

import pytest

from stream_processor.replay.days import DayRange
from stream_processor.replay.queue import encode_message
from stream_processor.replay.select import SourceObject
from tests.support import aws as moto_fixtures
from tests.support.aws import list_keys
from tests.support.builders import stop_logging
from tests.support.rollup_kit import set_moto_config

from .emulator import install, poll_kinesis_mappings
from .observe import Metric, emf_metrics, function_log_lines, put_metrics
from .stack import Stack, deploy, sam_template

moto_endpoint = moto_fixtures.moto_endpoint  # the session's moto server, as in tests/integration/


RUN_FUNCTIONS = {"lambda": {"use_docker": True}}  # moto's Lambda that runs functions (see emulator)


@pytest.fixture(autouse=True)
def lambda_runs_functions(moto_endpoint: str) -> None:
    """The stack's functions run (in process, `emulator.install`): an integration test that ran
    before on this worker's server may have switched moto to its docker-less Lambda, whose invokes
    run nothing (`tests.support.rollup_kit.moto_function`); the fan-out would then wait out its
    whole budget for rollups that never come."""
    set_moto_config(moto_endpoint, RUN_FUNCTIONS)


REGIONS = ("eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "eu-south-1")


# The first deployment selects one log group prefix: the statements only prefixes need (the daily
# report's FindPrefixedLogGroups) are then deployed, and the least-privilege tests prove each one.
PREFIXES = {"LogGroupPrefixes": "/onboard-scenario/"}


def deployments() -> list[tuple[str, dict[str, str]]]:
    """(stack name, parameter overrides): the defaults with one prefix first, then every other
    ingest mode."""
    found = [("logreview", dict(PREFIXES))]
    mode = sam_template().get("Parameters", {}).get("IngestMode")
    if mode:
        for value in mode.get("AllowedValues", []):
            if value != mode.get("Default"):
                found.append((f"logreview-{value.lower()}", {"IngestMode": value}))
    return found


@dataclass
class Fed:
    """A deployed stack after the test day went through it."""

    stack: Stack
    day: str
    groups: dict[str, str]  # logical id → log group name
    events: int
    archived: list[str]  # archive/ keys the day produced


ATTACKER = "203.0.113.77"


def day_of_logs(day_ms: int) -> list[tuple[str, str]]:
    """(role, message) of one small day: info, error, latency and security events in both groups,
    and detections of every kind an alarm or the dashboard watches: critical (CloudTrail stopped),
    high (a root login), medium, low, and brute force from one address (auth_failure) and against
    one principal (sudo)."""
    ordinary = [
        ("AdminLogGroup", "INFO user alice logged in took 120 ms"),
        ("AdminLogGroup", "ERROR sudo: pam_unix(sudo:auth): authentication failure; user=bob"),
        ("AdminLogGroup", "WARN disk almost full took 40 ms"),
        ("OperatorLogGroup", "INFO deploy step finished took 900 ms"),
        (
            "OperatorLogGroup",
            "sshd[42]: Failed password for invalid user guest from 203.0.113.9 port 22 ssh2",
        ),
        ("OperatorLogGroup", "ERROR backup job failed: exit status 3"),
    ]
    detections = [
        ("AdminLogGroup", stop_logging(day_ms + 36_000_000, region="eu-west-1")),
        ("AdminLogGroup", "sshd[4100]: Accepted password for root from 198.51.100.7 port 50022 ssh2"),
        (  # medium (sudo_to_root) and low (ssh_password_login): counted, below the topic's floor
            "AdminLogGroup",
            "sudo[4200]:    alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl",
        ),
        ("OperatorLogGroup", "sshd[4300]: Accepted password for carol from 198.51.100.8 port 50100 ssh2"),
        *(
            (
                "OperatorLogGroup",
                f"sshd[{3000 + i}]: Failed password for invalid user admin{i} from {ATTACKER} port 22 ssh2",
            )
            for i in range(25)
        ),
        *(
            (
                "AdminLogGroup",
                f"sudo[{5000 + i}]:      bob : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/bob ; "
                "USER=root ; COMMAND=/bin/bash",
            )
            for i in range(12)
        ),
    ]
    return ordinary + detections


def put_day(stack: Stack, day_ms: int) -> tuple[dict[str, str], int]:
    """PutLogEvents into the deployed source groups, one call per group (as the agent would)."""
    logs = stack.client("logs")
    groups = {n: stack.physical[n] for n in ("AdminLogGroup", "OperatorLogGroup")}
    by_group: dict[str, list[dict[str, Any]]] = {}
    for i, (role, message) in enumerate(day_of_logs(day_ms)):
        by_group.setdefault(role, []).append(
            {"timestamp": day_ms + 3_600_000 * 10 + i * 1000, "message": message}
        )
    for role, events in by_group.items():
        logs.create_log_stream(logGroupName=groups[role], logStreamName="i-0123456789abcdef0")
        logs.put_log_events(logGroupName=groups[role], logStreamName="i-0123456789abcdef0", logEvents=events)
    return groups, sum(len(e) for e in by_group.values())


def deploy_fed(name: str, region: str, overrides: dict[str, str] | None = None) -> Fed:
    """Deploy template.yaml and put yesterday's test day into its source log groups."""
    install()
    stack = deploy(name, region, overrides)
    day_ms = (int(time.time()) // 86_400 - 1) * 86_400_000  # yesterday, 00:00 UTC
    groups, events = put_day(stack, day_ms)
    poll_kinesis_mappings(stack.region)  # Kinesis mode: what Lambda's poller would do now
    archived = list_keys(stack.client("s3"), stack.physical["ReportBucket"], "archive/")
    return Fed(stack, time.strftime("%Y-%m-%d", time.gmtime(day_ms / 1000)), groups, events, archived)


_FED: dict[str, Fed] = {}  # deployment name → its stack, deployed and fed once per session


def fed_once(index: int) -> Fed:
    """`deployments()[index]`, deployed and fed the first time it is asked for. The stack tests
    and the least-privilege tests share it; what the latter add (today's batches, detections
    with principals of their own, IAM users) is kept apart from the test day's objects."""
    name, overrides = deployments()[index]
    if name not in _FED:
        # its functions must be created in the Lambda backend that runs them (see the autouse fixture)
        set_moto_config(os.environ["AWS_ENDPOINT_URL"], RUN_FUNCTIONS)
        _FED[name] = deploy_fed(name, REGIONS[index], overrides)
    return _FED[name]


@pytest.fixture(scope="session", params=deployments(), ids=lambda d: d[0])
def fed(request: pytest.FixtureRequest, moto_endpoint: str) -> Fed:
    """A stack deployed from template.yaml with the test day put into its log groups."""
    return fed_once(deployments().index(request.param))


def processor_name(fed: Fed) -> str:
    return fed.stack.physical["StreamProcessorFunction"]


@dataclass
class Run:
    """One deployment after the whole run: live logs, a replay, a bad payload, the daily report."""

    fed: Fed
    bucket: str
    replayed_key: str
    replayed_partial: str
    report: dict[str, Any]
    emitted: set[Metric]


@pytest.fixture(scope="session")
def run(fed: Fed) -> Run:
    stack = fed.stack
    bucket = stack.physical["ReportBucket"]
    s3 = stack.client("s3")
    # the replay queue: one archived object back through the processor
    archived = list_keys(s3, bucket, "archive/")
    # its partial removed first, so the replay has to write it again
    name = archived[0].rsplit("/", 1)[1].removesuffix(".gz") + ".json"  # bundle keys: .../hour=HH/{id}.json
    partial = next(k for k in list_keys(s3, bucket, f"aggregates/dt={fed.day}/") if k.endswith("/" + name))
    s3.delete_object(Bucket=bucket, Key=partial)
    message = encode_message(SourceObject(bucket, archived[0], 0, "archive"), DayRange.parse(None, None))
    stack.client("sqs").send_message(QueueUrl=stack.physical["ReplayQueue"], MessageBody=message)
    # an undecodable payload: quarantined, and the quarantine metrics emitted
    bad = {"awslogs": {"data": base64.b64encode(b"not gzip").decode()}}
    lam = stack.client("lambda")
    lam.invoke(FunctionName=processor_name(fed), InvocationType="Event", Payload=json.dumps(bad).encode())
    # the daily report, as the schedule would start it
    response = lam.invoke(
        FunctionName=stack.physical["DailyReportFunction"], Payload=json.dumps({"date": fed.day})
    )
    report = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, report
    # the Onboard sweep, as its schedule would start it (the seed groups: subscribed by the stack)
    sweep = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    response = lam.invoke(FunctionName=stack.physical["OnboardFunction"], Payload=json.dumps(sweep).encode())
    onboarded = json.loads(response["Payload"].read())
    assert "FunctionError" not in response and onboarded["failed"] == {}, onboarded
    emitted = emf_metrics(function_log_lines(stack)) | put_metrics(stack)
    return Run(fed, bucket, archived[0], partial, report, emitted)
