"""Merging the same partials in different orders, for the merge-law tests (DESIGN §6)."""

from __future__ import annotations

import copy
import functools
import random

from stream_processor import aggregate


def folded(items: list[aggregate.Partial]) -> bytes:
    """The encoded merge of `items`, left to right."""
    return aggregate.encode(functools.reduce(aggregate.merge, items))


def streamed_shuffled(items: list[aggregate.Partial], rng: random.Random) -> bytes:
    """The encoded merge of `items` in a shuffled order, each merged in place into one running
    partial as the daily report streams them (copies, so `items` stay as they were)."""
    shuffled = list(items)
    rng.shuffle(shuffled)
    streamed = aggregate.empty()
    for item in shuffled:
        aggregate.merge_into(streamed, copy.deepcopy(item))
    return aggregate.encode(streamed)
