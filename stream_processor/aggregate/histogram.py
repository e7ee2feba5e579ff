"""Log-bucketed latency histogram (DDSketch-style): ≤ 1 % relative error, merged by adding counts.

A value v > 0 falls in bucket i = ceil(log_γ v) with γ = (1 + α) / (1 - α); the bucket's
representative 2γ^i / (γ + 1) is within α of every value in it. Values below `MIN_VALUE`
share the zero bucket. Buckets are keyed by `str(i)` so the histogram is plain JSON.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

RELATIVE_ACCURACY = 0.01
GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
_LOG_GAMMA = math.log(GAMMA)
MIN_VALUE = 1e-3  # ms; anything faster than a microsecond is "zero" for our purposes
ZERO_BUCKET = "z"


def bucket_key(value: float) -> str:
    """The bucket a non-negative value belongs to."""
    if value < MIN_VALUE:
        return ZERO_BUCKET
    return str(math.ceil(math.log(value) / _LOG_GAMMA))


def bucket_value(key: str) -> float:
    """The representative value of a bucket (within 1 % of anything in it)."""
    if key == ZERO_BUCKET:
        return 0.0
    return 2 * GAMMA ** int(key) / (GAMMA + 1)


def _order(key: str) -> float:
    return -math.inf if key == ZERO_BUCKET else int(key)


def quantile(buckets: Mapping[str, int], q: float, low: float, high: float) -> float | None:
    """Nearest-rank quantile q in [0, 1]: the value of rank ceil(q·n), clamped to [low, high]."""
    count = sum(buckets.values())
    if count == 0:
        return None
    rank = max(1, math.ceil(q * count))
    seen = 0
    for key in sorted(buckets, key=_order):
        seen += buckets[key]
        if seen >= rank:
            return min(max(bucket_value(key), low), high)
    return high  # unreachable: the loop always reaches `count`
