"""Legal hold on a day's evidence: every current version of its archive, reports and digest.

A legal hold has no expiry and keeps a version from deletion whatever its retention, until it is
released (s3:PutObjectLegalHold). The bucket must have Object Lock enabled (template parameter
ObjectLockMode); S3's refusal otherwise is turned into a clear error.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Literal

from botocore.exceptions import ClientError

from stream_processor.sinks.aws_errors import code

from ..errors import ReportError
from .objects import WORKERS, current_versions, day_prefixes
from .seal import digest_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def set_legal_hold(client: S3Client, bucket: str, day: date, on: bool) -> int:
    """Place (or release) a legal hold on every evidence object of `day`; the number of versions."""
    prefixes = (*day_prefixes(day), digest_key(day))
    versions = [found for prefix in prefixes for found in current_versions(client, bucket, prefix)]
    status: Literal["ON", "OFF"] = "ON" if on else "OFF"

    def one(item: tuple[str, str, int]) -> None:
        key, version_id, _ = item
        try:
            client.put_object_legal_hold(
                Bucket=bucket, Key=key, VersionId=version_id, LegalHold={"Status": status}
            )
        except ClientError as exc:
            if code(exc) in (
                "InvalidRequest",
                "ObjectLockConfigurationNotFoundError",
            ):
                raise ReportError(
                    f"s3://{bucket} has no Object Lock: deploy with ObjectLockMode GOVERNANCE or COMPLIANCE "
                    f"before placing legal holds ({exc.response['Error'].get('Message', '')})"
                ) from None  # a configuration problem (exit 2), not a failed AWS call
            raise

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(one, versions))
    return len(versions)
