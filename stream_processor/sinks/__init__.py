"""Sinks: where processed data goes (S3 objects, CloudWatch metrics). All I/O lives here."""

from __future__ import annotations

from .metrics import MetricsSink
from .s3 import S3Sink, Writes, archive_body, archive_key, group_path, partial_key, quarantine_key

__all__ = [
    "MetricsSink",
    "S3Sink",
    "Writes",
    "archive_body",
    "archive_key",
    "group_path",
    "partial_key",
    "quarantine_key",
]
