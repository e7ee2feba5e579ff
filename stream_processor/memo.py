"""`Memo`: the one bounded memo of the hot path (parse plans, redactions, kept texts).

A dict, so a hit is one C-level `get` (cachetools' mappings are Python-level, several times
slower per read, and reads are per event); `remember` stores a miss, first forgetting everything
once `size` entries are held. Starting over, rather than evicting the least recently used entry,
costs nothing per hit, and what recurs (log layouts, user names, error texts) is back within a
few batches. Which values are worth keeping (short texts only, say) is the caller's choice.
A read once per event binds `get` once (`parse/message.py`): CPython 3.11/3.12 specialise a
`get` call on a plain dict but not on a subclass (about 10 ns more per call, measured).
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    """At most `size` entries: `remember` starts over when the memo is full."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: K, value: V) -> V:
        """Keep `value` for `key` (forgetting every other entry first when full); return it."""
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value
