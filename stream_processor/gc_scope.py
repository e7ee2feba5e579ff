"""Fewer cyclic-garbage collections while an invocation is processed (a CPU saving, same output).

An invocation allocates a few objects per event (event dicts, parse results, window counters) and
keeps most of them until it returns. CPython starts a young-generation collection every 700
allocations, and each older collection walks everything still alive, so a 10,000-record Kinesis
invocation (300,000 events) spent 15-20 % of its CPU in the collector, finding almost nothing
(measured with `gc.callbacks`). Inside `fewer_collections` the young threshold is raised to
`YOUNG_THRESHOLD`: collections still run (cycles are still freed, memory stays bounded), about
70 times less often. Reference counting, which frees nearly everything here, is unaffected.

Process-wide, so nested and concurrent uses (replay worker threads) are counted: the first one in
raises the threshold, the last one out restores what was there.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 50_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the young-generation threshold for the duration of the block (restored after)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            young, middle, old = gc.get_threshold()
            if young and young < YOUNG_THRESHOLD:  # 0: collection switched off; leave it
                _saved = (young, middle, old)
                gc.set_threshold(YOUNG_THRESHOLD, middle, old)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
