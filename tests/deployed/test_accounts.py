"""Two accounts' batches through a deployed Kinesis stack: records as a Logs destination puts them
(each with its sender's `owner`) go through the stream's mapping into the StreamProcessor, and
the DailyReport function's report counts them apart per account, in the stack's region, and
keeps their group apart: both owners are foreign to the stack's account, so each has its own
`<owner>:<group>` row and the home account's bare row stays empty.

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

ACCOUNTS = {"111111111111": 4, "222222222222": 3}  # owner → events sent


@pytest.fixture(scope="module")
def kinesis_stack(moto_endpoint: str) -> Fed:
    for _, overrides in deployments():
        if overrides.get("IngestMode") == "Kinesis":
            set_moto_config(moto_endpoint, RUN_FUNCTIONS)  # created where functions run (conftest)
            return deploy_fed("logreview-accounts", "eu-central-1", overrides)
    pytest.skip("the template has no Kinesis ingest mode")


def test_two_accounts_through_the_stream_are_reported_apart(kinesis_stack: Fed) -> None:
    fed = kinesis_stack
    stack = fed.stack
    day_ms = (int(time.time()) // 86_400 - 3) * 86_400_000  # a day of its own: not the shared test day
    day = time.strftime("%Y-%m-%d", time.gmtime(day_ms / 1000))
    group = fed.groups["AdminLogGroup"]
    kinesis = stack.client("kinesis")
    for owner, count in ACCOUNTS.items():
        events = [log_event(f"INFO from {owner} {i}", day_ms + 7_200_000 + i) for i in range(count)]
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
    rows = report["log_groups"]
    assert rows[group]["events"] == 0  # the home account's own group: expected, and silent here
    for owner, count in ACCOUNTS.items():
        assert rows[f"{owner}:{group}"]["events"] == count
    for owner, count in ACCOUNTS.items():
        entry = report["accounts"][owner]
        assert (entry["events"], entry["batches"]) == (count, 1)
        assert entry["log_groups"] == {group: {"events": count, "errors": 0, "security_events": 0}}
    assert list(report["regions"]) == [stack.region]  # the function's AWS_REGION
