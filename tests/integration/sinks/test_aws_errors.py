"""`sinks.aws_errors` reads S3's real answers (moto's server over HTTP): each kind of refusal the
code acts on is recognised, and is not mistaken for another."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stream_processor.sinks import aws_errors

KINDS: dict[str, Callable[[ClientError], bool]] = {
    "absent": aws_errors.absent,
    "absent_or_hidden": aws_errors.absent_or_hidden,
    "changed": aws_errors.changed,
    "conflict": aws_errors.conflict,
    "not_modified": aws_errors.not_modified,
}


def _refusal(aws: dict[str, Any], call: str, **extra: Any) -> ClientError:
    s3, bucket = aws["s3"], aws["bucket"]
    s3.put_object(Bucket=bucket, Key="there", Body=b"x")
    etag = s3.head_object(Bucket=bucket, Key="there")["ETag"]
    kwargs = {key: etag if value == "ETAG" else value for key, value in extra.items()}
    with pytest.raises(ClientError) as raised:
        getattr(s3, call)(Bucket=bucket, **kwargs)
    return raised.value


@pytest.mark.parametrize(
    ("call", "extra", "kinds"),
    [
        ("get_object", {"Key": "missing"}, {"absent", "absent_or_hidden"}),
        ("head_object", {"Key": "missing"}, {"absent", "absent_or_hidden"}),
        ("get_object", {"Key": "there", "IfMatch": '"0000"'}, {"changed", "conflict"}),
        ("put_object", {"Key": "there", "Body": b"y", "IfNoneMatch": "*"}, {"changed", "conflict"}),
        ("get_object", {"Key": "there", "IfNoneMatch": "ETAG"}, {"not_modified"}),
        ("head_object", {"Key": "there", "IfNoneMatch": "ETAG"}, {"not_modified"}),
    ],
)
def test_each_refusal_is_read_as_what_it_means(
    aws: dict[str, Any], call: str, extra: dict[str, Any], kinds: set[str]
) -> None:
    refusal = _refusal(aws, call, **extra)
    assert {name for name, means in KINDS.items() if means(refusal)} == kinds, aws_errors.code(refusal)


def test_a_refusal_without_list_permission_is_hidden_not_absent() -> None:
    """S3 answers 403 for a missing key to a caller without s3:ListBucket (moto grants it all,
    so this answer is built as botocore parses it)."""
    denied = ClientError(
        {"Error": {"Code": "AccessDenied"}, "ResponseMetadata": {"HTTPStatusCode": 403}}, "GetObject"
    )
    assert aws_errors.absent_or_hidden(denied) and not aws_errors.absent(denied)
    assert aws_errors.code(ClientError({}, "GetObject")) == "" and aws_errors.status(denied) == 403


def test_a_racing_conditional_write_is_a_conflict_but_not_a_change() -> None:
    """409 ConditionalRequestConflict: S3's answer to two conditional writes at once (moto never
    races, so this answer is built as botocore parses it)."""
    racing = ClientError(
        {"Error": {"Code": "ConditionalRequestConflict"}, "ResponseMetadata": {"HTTPStatusCode": 409}},
        "PutObject",
    )
    assert aws_errors.conflict(racing) and not aws_errors.changed(racing)
