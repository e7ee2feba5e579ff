"""The partial aggregate and its merge (partial.py), built per window (window.py) from capped
counters (counters.py) and latency histograms (histogram.py).

`stream_processor.aggregate.merge/empty/encode` are the contract the daily report relies on
(docs/design.md §12); they are re-exported here from `partial`.
"""

from __future__ import annotations

from .partial import (
    CAPPED,
    COUNTER_CAP,
    COUNTERS,
    HOUR_KEYS,
    HOURS,
    SAMPLES_PER_RULE,
    SCHEMA,
    CounterName,
    Latency,
    Partial,
    Window,
    cap_window,
    combine,
    decode,
    empty,
    encode,
    make_latency,
    make_window,
    merge,
    merge_into,
    merge_window,
    new_window,
    security_events,
    upgrade,
    upgrade_windows,
)

__all__ = [
    "CAPPED",
    "COUNTERS",
    "COUNTER_CAP",
    "HOURS",
    "HOUR_KEYS",
    "SAMPLES_PER_RULE",
    "SCHEMA",
    "CounterName",
    "Latency",
    "Partial",
    "Window",
    "cap_window",
    "combine",
    "decode",
    "empty",
    "encode",
    "make_latency",
    "make_window",
    "merge",
    "merge_into",
    "merge_window",
    "new_window",
    "security_events",
    "upgrade",
    "upgrade_windows",
]
