"""What a botocore `ClientError` from S3 means to us: the one place that reads error codes.

S3 names one condition several ways: a GET of a missing key says `NoSuchKey`, a HEAD (no body)
only its status, `404`; a failed `If-Match`/`If-None-Match: *` says `PreconditionFailed` (412), a
conditional write racing another one `ConditionalRequestConflict` (409); a GET whose
`If-None-Match` still holds says `304`/`NotModified`. Callers ask by meaning, never by code.
Throttling is not classified here: botocore's adaptive retry mode handles it (`s3.s3_client`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

_ABSENT = frozenset({"NoSuchKey", "404", "NotFound"})
_HIDDEN = frozenset({"AccessDenied", "403"})  # what S3 says of a missing key without s3:ListBucket
_CHANGED = frozenset({"PreconditionFailed", "412"})
_CONFLICT = _CHANGED | {"ConditionalRequestConflict", "409"}
_NOT_MODIFIED = frozenset({"NotModified", "304"})


def code(exc: ClientError) -> str:
    """The error's code (`NoSuchKey`, `404`, `ParameterNotFound`…), '' when it has none."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def status(exc: ClientError) -> int | None:
    """The HTTP status of the failed response, when botocore recorded one."""
    found = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return None if found is None else int(found)


def absent(exc: ClientError) -> bool:
    """S3 refused a read because the key (or bucket) is not there."""
    return code(exc) in _ABSENT


def absent_or_hidden(exc: ClientError) -> bool:
    """`absent`, or refused (403) where the caller may not list the bucket, so S3 does not say
    whether the key exists: for a caller that only ever reads keys it writes itself."""
    return code(exc) in _ABSENT or code(exc) in _HIDDEN


def changed(exc: ClientError) -> bool:
    """A conditional request's precondition failed (412): the object is no longer the version
    `If-Match` named, or exists where `If-None-Match: *` wanted none."""
    return code(exc) in _CHANGED or status(exc) == 412


def conflict(exc: ClientError) -> bool:
    """A conditional write lost: someone else wrote first (412) or is writing (409)."""
    return code(exc) in _CONFLICT or status(exc) in (409, 412)


def not_modified(exc: ClientError) -> bool:
    """A conditional GET found the object still has the `If-None-Match` ETag (304, no body)."""
    return code(exc) in _NOT_MODIFIED or status(exc) == 304
