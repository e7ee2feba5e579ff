"""Fixtures of the integration tests: moto's server over HTTP, a fresh bucket per test, and the
alert plumbing (SNS topic, SQS inbox, EventBridge rule)."""

from __future__ import annotations

from tests.support.alerting import plumbing
from tests.support.aws import aws, moto_endpoint

__all__ = ["aws", "moto_endpoint", "plumbing"]
