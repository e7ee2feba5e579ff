"""Fixtures of the integration tests (moto's server over HTTP)."""

from __future__ import annotations

from tests.alerting import plumbing

__all__ = ["plumbing"]
