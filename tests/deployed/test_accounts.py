"""Two member accounts' batches through a deployed Kinesis stack that reviews a prefix: records as a
Logs destination puts them (each with its sender's `owner`) go through the stream's mapping into the
StreamProcessor, and the DailyReport function's report keeps every (account, group) apart: a member
account's group is the row `<owner>:<group>`, the home account's keeps its bare name, and the
accounts section counts each account, in the stack's region.

The stack is its own (not the stack tests' shared one): its archive and invocations would otherwise
be theirs too, and what they count would depend on which test ran first."""

from __future__ import annotations

import gzip
import json
import time

import orjson
import pytest

from tests.support.builders import compress, envelope, log_event
from tests.support.rollup_kit import set_moto_config

from .conftest import RUN_FUNCTIONS, Fed, deploy_fed, deployments
from .emulator import poll_kinesis_mappings

ACCOUNTS = {"111111111111": 4, "222222222222": 3}  # owner → events sent to each group
PREFIX = "/team-a/"  # the stack reviews a prefix; its groups exist in the member accounts too
PREFIX_GROUPS = ("/team-a/api", "/team-a/db")


@pytest.fixture(scope="module")
def kinesis_stack(moto_endpoint: str) -> Fed:
    for _, overrides in deployments():
        if overrides.get("IngestMode") == "Kinesis":
            set_moto_config(moto_endpoint, RUN_FUNCTIONS)  # created where functions run (conftest)
            return deploy_fed("logreview-accounts", "eu-central-1", {**overrides, "LogGroupPrefixes": PREFIX})
    pytest.skip("the template has no Kinesis ingest mode")


def test_two_accounts_through_the_stream_are_reported_apart(kinesis_stack: Fed) -> None:
    """The admin group and a prefix's two groups, each sent by two member accounts and the home
    account's prefix groups by the stack's own: every (account, group) is a row of its own."""
    fed = kinesis_stack
    stack = fed.stack
    home = stack.client("sts").get_caller_identity()["Account"]
    day_ms = (int(time.time()) // 86_400 - 3) * 86_400_000  # a day of its own: not the shared test day
    day = time.strftime("%Y-%m-%d", time.gmtime(day_ms / 1000))
    admin = fed.groups["AdminLogGroup"]
    sent = {**{(owner, g): count for owner, count in ACCOUNTS.items() for g in (admin, *PREFIX_GROUPS)},
            **{(home, g): 2 for g in PREFIX_GROUPS}}  # fmt: skip
    kinesis = stack.client("kinesis")
    for (owner, group), count in sent.items():
        events = [log_event(f"INFO {owner} {group} {i}", day_ms + 7_200_000 + i) for i in range(count)]
        data = compress(envelope(events, log_group=group, log_stream=f"i-{owner}", owner=owner))
        kinesis.put_record(StreamName=stack.physical["LogStream"], Data=data, PartitionKey=owner)
    poll_kinesis_mappings(stack.region)
    lam = stack.client("lambda")
    response = lam.invoke(
        FunctionName=stack.physical["DailyReportFunction"], Payload=json.dumps({"date": day})
    )
    assert "FunctionError" not in response, response["Payload"].read()
    bucket = stack.physical["ReportBucket"]
    body = stack.client("s3").get_object(
        Bucket=bucket, Key=f"reports/{day.replace('-', '/')}/log_review.json.gz"
    )
    report = orjson.loads(gzip.decompress(body["Body"].read()))
    rows = {name: row["events"] for name, row in report["log_groups"].items() if row["events"]}
    assert rows == {(group if owner == home else f"{owner}:{group}"): n for (owner, group), n in sent.items()}
    assert report["log_groups"][admin]["events"] == 0  # the home account's own group: expected, silent here
    assert report["log_group_prefixes"] == [PREFIX]
    for owner, count in ACCOUNTS.items():
        entry = report["accounts"][owner]
        assert (entry["events"], entry["batches"]) == (3 * count, 3)
        assert entry["log_groups"] == {
            g: {"events": count, "errors": 0, "security_events": 0} for g in (admin, *PREFIX_GROUPS)
        }
    assert report["accounts"][home]["events"] == 4
    assert list(report["regions"]) == [stack.region]  # the function's AWS_REGION
