"""Where a notification goes and in what order, against moto's server (issue 21.3): Security Hub
findings carry the function's own account and partition (BatchImportFindings refuses any other
account), not the log batch's owner; a side channel (EventBridge, Security Hub) that fails is a
metric, never a failed invocation; a topic publish that fails is retried by Lambda and sent once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from stream_processor.demo.alerts import emf_objects
from stream_processor.handler import lambda_handler
from stream_processor.sinks.alert_channels import Identity
from stream_processor.sinks.alert_store import AlertError
from tests.integration.alerts.test_alerts import NOW_MS
from tests.support.alerting import AlertPlumbing, alert_entries
from tests.support.builders import compress, envelope, log_event, stop_logging, subscription_event
from tests.support.fault_proxy import FaultProxy
from tests.support.lambda_delivery import proxied

OWNER = "444455556666"  # the source account of a cross-account log batch


class Context:
    """The LambdaContext attributes the handler reads."""

    def __init__(self, arn: str) -> None:
        self.invoked_function_arn = arn
        self.function_name = arn.rsplit(":", 1)[-1]
        self.memory_limit_in_mb = 1024
        self.aws_request_id = "c0ffee00-0000-4000-8000-000000000002"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def cross_account_trail() -> dict[str, Any]:
    events = [log_event(stop_logging(NOW_MS + 60_000), NOW_MS + 60_000)]
    return subscription_event(
        compress(envelope(events, "/aws/cloudtrail", f"{OWNER}_CloudTrail_us-east-1", owner=OWNER))
    )


@pytest.fixture
def hub(plumbing: AlertPlumbing, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from stream_processor import handler

    monkeypatch.setenv("SECURITY_HUB_IMPORT", "true")
    handler._ingest.cache_clear()
    client = boto3.client("securityhub")
    client.enable_security_hub()
    yield client
    handler._ingest.cache_clear()


def test_a_finding_is_imported_into_the_functions_own_account_and_partition(
    aws: dict[str, Any], hub: Any
) -> None:
    arn = "arn:aws-us-gov:lambda:us-gov-west-1:210987654321:function:logreview-stream-processor"
    lambda_handler(cross_account_trail(), Context(arn))  # type: ignore[arg-type]
    (found,) = hub.get_findings()["Findings"]
    assert found["AwsAccountId"] == "210987654321"
    assert (
        found["ProductArn"]
        == "arn:aws-us-gov:securityhub:us-east-1:210987654321:product/210987654321/default"
    )
    assert found["ProductFields"]["logreview/source_account"] == OWNER


def test_without_a_lambda_context_the_account_comes_from_sts(aws: dict[str, Any], hub: Any) -> None:
    lambda_handler(cross_account_trail(), None)
    (found,) = hub.get_findings()["Findings"]
    caller = boto3.client("sts").get_caller_identity()["Account"]
    assert found["AwsAccountId"] == caller != OWNER


def test_identity_from_arns_of_every_partition() -> None:
    assert Identity.from_arn("arn:aws-cn:lambda:cn-north-1:123456789012:function:f") == Identity(
        "123456789012", "aws-cn"
    )
    assert Identity.from_arn("arn:aws:sts::123456789012:assumed-role/r/s").partition == "aws"
    with pytest.raises(ValueError, match="account"):
        Identity.from_arn("arn:aws:s3:::bucket")


@pytest.fixture
def faulty(aws: dict[str, Any], plumbing: AlertPlumbing, hub: Any) -> Iterator[FaultProxy]:
    with proxied(aws) as proxy:
        yield proxy


def side_channel_failures(lines: list[str]) -> int:
    """The SideChannelFailures the processor emitted (EMF values are lists)."""
    return int(sum(sum(doc.get("SideChannelFailures", [])) for doc in emf_objects(lines)))


def test_side_channels_that_fail_are_counted_and_never_repeat_the_notification(
    aws: dict[str, Any], plumbing: AlertPlumbing, faulty: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    faulty.inject("events:PutEvents", "error")
    faulty.inject("securityhub:", "error")
    event = cross_account_trail()
    capsys.readouterr()
    lambda_handler(event, None)  # returns normally: the side channels are optional
    assert side_channel_failures(capsys.readouterr().out.splitlines()) == 2
    (message,) = plumbing.notifications(wait=2)
    assert "cis_cloudtrail_stopped" in message["Subject"]
    (entry,) = alert_entries(aws["s3"], aws["bucket"])
    assert entry["notified"]["state"] == "sent"
    lambda_handler(event, None)  # a redelivery: nothing more
    assert plumbing.notifications(wait=1) == []
    assert plumbing.events() == []


def test_a_failed_topic_publish_fails_the_invocation_and_its_retry_publishes_once(
    aws: dict[str, Any], plumbing: AlertPlumbing, faulty: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    faulty.inject("sns:Publish", "error")
    event = cross_account_trail()
    capsys.readouterr()
    with pytest.raises(AlertError, match="could not be published"):
        lambda_handler(event, None)
    assert plumbing.notifications(wait=1) == []
    assert plumbing.events() == []  # the side channels wait for the topic
    (entry,) = alert_entries(aws["s3"], aws["bucket"])
    assert entry["notified"] is None  # released: the retry may publish
    faulty.clear()
    lambda_handler(event, None)  # Lambda's retry
    lambda_handler(event, None)  # and a redelivery
    assert len(plumbing.notifications(wait=2)) == 1
    detections = [d for d in emf_objects(capsys.readouterr().out.splitlines()) if d.get("Rule")]
    assert [d["Detections"] for d in detections] == [[1.0]]  # counted once, by the retry
    assert [e["detail"]["rule"] for e in plumbing.events(wait=1)] == ["cis_cloudtrail_stopped"]


def test_the_finding_json_stays_importable(aws: dict[str, Any], hub: Any) -> None:
    """The ASFF record round-trips through Security Hub with our fields intact."""
    lambda_handler(cross_account_trail(), None)
    (found,) = hub.get_findings()["Findings"]
    assert found["Id"].startswith("logreview/cis_cloudtrail_stopped/")
    assert json.loads(json.dumps(found["ProductFields"]))["logreview/rule"] == "cis_cloudtrail_stopped"


def test_a_retry_outwaits_the_mark_its_dead_attempt_left_and_notifies(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    """An attempt that died after marking a key and before publishing (a timeout; Kinesis retries
    at once): the retry waits for the mark's `until` when its own deadline allows, takes the mark
    over and publishes; without a known deadline it leaves the mark alone."""
    import time

    import orjson

    from stream_processor import handler

    event = cross_account_trail()
    lambda_handler(event, None)
    assert len(plumbing.notifications(wait=2)) == 1
    s3, bucket = aws["s3"], aws["bucket"]
    (entry,) = alert_entries(s3, bucket)

    def leave_mark() -> int:
        """Write what the dead attempt left: a pending mark held for 2 s from now; return its `until`."""
        document = orjson.loads(s3.get_object(Bucket=bucket, Key=entry["document"])["Body"].read())
        (rule,) = document["keys"]
        (eid,) = document["keys"][rule]
        until = int(time.time() * 1000) + 2000
        mark = {**entry["notified"], "state": "pending", "token": "dead", "until": until, "message_id": None}
        document["keys"][rule][eid]["notified"] = mark
        s3.put_object(Bucket=bucket, Key=entry["document"], Body=orjson.dumps(document))
        return until

    leave_mark()
    handler._ingest.cache_clear()  # a new container
    lambda_handler(event, None)  # no deadline known: the mark may be a live writer's
    assert plumbing.notifications(wait=0.5) == []
    # The mark again, fresh: on a loaded machine the calls above can outlast the first one's 2 s,
    # and then the retry below would have nothing left to wait for.
    until = leave_mark()
    arn = "arn:aws:lambda:us-east-1:123456789012:function:logreview-stream-processor"
    lambda_handler(event, Context(arn))  # type: ignore[arg-type]
    assert time.time() * 1000 >= until  # it waited for the mark's `until`
    assert len(plumbing.notifications(wait=2)) == 1
    (after,) = alert_entries(s3, bucket)
    assert after["notified"]["state"] == "sent" and after["notified"]["token"] != "dead"
