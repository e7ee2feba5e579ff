"""One exception class per failure domain; each message names the offending input."""

from __future__ import annotations


class LogReviewError(Exception):
    """Base class of every error logreview raises on purpose."""


class DecodeError(LogReviewError):
    """A payload could not be turned into a batch. `reason` is a short machine-readable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class UnknownEventShape(LogReviewError):
    """The handler received an event that is none of the shapes in docs/design.md §3."""


class ConfigError(LogReviewError):
    """The configuration document is invalid; the message names the key."""
