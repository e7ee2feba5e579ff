"""An SDK without PutObject's IfMatch (botocore < 1.35.69) fails the alert state with an error
naming the version it needs (issue 21.1), against moto's server."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest

from stream_processor.sinks.alert_store import MIN_BOTOCORE, AlertError, AlertStore
from stream_processor.sinks.s3 import S3Sink


def test_an_sdk_without_if_match_fails_with_the_version_it_needs(aws: dict[str, Any]) -> None:
    """An S3 model without PutObject's IfMatch (what botocore < 1.35.69 ships) rejects the
    parameter before sending it: the update after the first one names the floor."""
    client = boto3.client("s3")
    # The model may be shared with every client of this process (the deployed suite's emulator
    # shares one per service): the parameter is put back however the test ends.
    members = client.meta.service_model.operation_model("PutObject").input_shape.members
    removed = members.pop("IfMatch")
    try:
        store = AlertStore(S3Sink(aws["bucket"], client))
        store.update("alerts/x.json", lambda _: {"v": 2})  # created with If-None-Match: *
        with pytest.raises(AlertError, match=rf"needs botocore >= {re.escape(MIN_BOTOCORE)}"):
            store.update("alerts/x.json", lambda _: {"v": 3})  # If-Match: the remembered ETag
    finally:
        members["IfMatch"] = removed
