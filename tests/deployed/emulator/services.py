"""Workarounds 5 and 6: Lambda's Kinesis poller, and EventBridge schedule rules that match no
event (see the package's docstring).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from moto.events.models import Rule as EventsRule

from .cloudformation import _client

# ------------------------------------------------- 5. Kinesis event source mappings

# (mapping UUID, shard id) → the sequence number of the last record handed to the function
_KINESIS_POSITIONS: dict[tuple[str, str], str] = {}


def _kinesis_record(
    record: dict[str, Any], shard: str, stream_arn: str, role: str, region: str
) -> dict[str, Any]:
    """One record of the event Lambda's Kinesis poller sends (AWS, "Using Lambda with Kinesis")."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record["PartitionKey"],
            "sequenceNumber": record["SequenceNumber"],
            "data": base64.b64encode(record["Data"]).decode(),
            "approximateArrivalTimestamp": record["ApproximateArrivalTimestamp"].timestamp(),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def _per_record_push(*args: Any, **kwargs: Any) -> None:
    """moto's own Kinesis mapping: it invokes the function inside every PutRecord with that one
    record, ignoring BatchSize, so a Kinesis-mode invocation never held more than one batch.
    Switched off; `poll_kinesis_mappings` delivers the records instead."""


def poll_kinesis_mappings(region: str) -> int:
    """One pass of Lambda's Kinesis poller over the region's enabled mappings; the batches sent.

    Reads every shard from where the mapping stopped (its StartingPosition the first time) with
    GetRecords, and invokes the function through Lambda's Invoke with up to BatchSize records per
    event, in order. A function error stops that shard there (Lambda would retry it); the batching
    window, parallelization factor and retry settings are not emulated.
    """
    lam, kinesis = _client("lambda", region), _client("kinesis", region)
    sent = 0
    for page in lam.get_paginator("list_event_source_mappings").paginate():
        for mapping in page["EventSourceMappings"]:
            stream_arn = mapping["EventSourceArn"]
            if ":kinesis:" not in stream_arn or mapping["State"] != "Enabled":
                continue
            role = lam.get_function_configuration(FunctionName=mapping["FunctionArn"])["Role"]
            for shard in kinesis.list_shards(StreamARN=stream_arn)["Shards"]:
                sent += _drain_shard(mapping, shard["ShardId"], role, region)
    return sent


def _drain_shard(mapping: dict[str, Any], shard: str, role: str, region: str) -> int:
    lam, kinesis = _client("lambda", region), _client("kinesis", region)
    stream_arn, position_key = mapping["EventSourceArn"], (mapping["UUID"], shard)
    after = _KINESIS_POSITIONS.get(position_key)
    start: dict[str, Any] = (
        {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": after}
        if after
        else {"ShardIteratorType": mapping["StartingPosition"]}
    )
    iterator = kinesis.get_shard_iterator(StreamARN=stream_arn, ShardId=shard, **start)["ShardIterator"]
    sent = 0
    while iterator:
        answer = kinesis.get_records(StreamARN=stream_arn, ShardIterator=iterator, Limit=mapping["BatchSize"])
        if not answer["Records"]:
            break
        records = [_kinesis_record(r, shard, stream_arn, role, region) for r in answer["Records"]]
        response = lam.invoke(FunctionName=mapping["FunctionArn"], Payload=json.dumps({"Records": records}))
        if "FunctionError" in response:
            raise RuntimeError(f"{mapping['FunctionArn']} failed on {shard}: {response['Payload'].read()!r}")
        _KINESIS_POSITIONS[position_key] = answer["Records"][-1]["SequenceNumber"]
        iterator, sent = answer.get("NextShardIterator"), sent + 1
    return sent


# ---------------------------------------------------------------- 6. schedule rules

_send_to_targets = EventsRule.send_to_targets


def _schedules_match_no_event(self: EventsRule, event: Any, transform_input: bool = True) -> None:
    """moto matches every PutEvents event against schedule rules too (their empty pattern matches
    all) and then fails on their Lambda targets (500). On AWS a schedule rule matches no event."""
    if self.scheduled_expression:
        return
    _send_to_targets(self, event, transform_input)
