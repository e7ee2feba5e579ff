"""The daily report's failure domain; every message names the offending day, key or argument."""

from __future__ import annotations

from stream_processor.errors import LogReviewError


class ReportError(LogReviewError):
    """A report could not be produced: bad date, unreadable partial, no bucket."""
