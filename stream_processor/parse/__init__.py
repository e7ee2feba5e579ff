"""One log message → the fields we aggregate: plain code (message.py, with the level families of
formats.py and textlevel.py) beside its speed tricks (fast.py, anchored.py), each pinned to the
plain version by a test; error signatures (signature.py)."""

from __future__ import annotations

from .message import ERROR_LEVELS, LEVELS, MAX_LATENCY_MS, Parsed, normalise_level, parse_message

__all__ = ["ERROR_LEVELS", "LEVELS", "MAX_LATENCY_MS", "Parsed", "normalise_level", "parse_message"]
