"""Which native speed-ups this process runs, and what a missing one costs: never a silent slow path.

google-re2 (the pattern engine) and isal (gzip) are core dependencies with wheels for Lambda arm64
and the common platforms. Where one cannot be imported (a platform without a wheel, a hand-built
package), the pure-Python fallback gives the same results, slower. The StreamProcessor says which
it runs once per cold start (`log_once`), as a warning naming the cost when it is a fallback, and
`logreview --version` prints the same (`summary`).
"""

from __future__ import annotations

import functools

from .decode import GZIP_BACKEND
from .detect.engine import BACKEND as ENGINE_BACKEND
from .observability import logger

# Measured by bench/fallback.py (bench/peers.py's datasets, CPU time, fresh processes alternating)
ENGINE_FALLBACK_COST = (
    "google-re2 not importable: the pure-Python pattern engine makes processing about 3-4x slower "
    "on short log lines and 9-10x on large JSON messages (pip install google-re2)"
)
GZIP_FALLBACK_COST = (
    "isal not importable: the stdlib inflates 1.4-2x slower, a few percent end to end (pip install isal)"
)


def engine() -> str:
    """'re2' (google-re2's RE2 Set) or 'python fallback'."""
    return "re2" if ENGINE_BACKEND == "re2" else "python fallback"


def fallbacks() -> list[str]:
    """What each missing speed-up costs (empty when both are there)."""
    costs = [] if ENGINE_BACKEND == "re2" else [ENGINE_FALLBACK_COST]
    return costs + ([] if GZIP_BACKEND == "isal" else [GZIP_FALLBACK_COST])


def summary() -> str:
    """One line: the engine and gzip backend in use, then the cost of any fallback."""
    line = f"pattern engine: {engine()}; gzip: {GZIP_BACKEND}"
    return "; ".join([line, *fallbacks()])


@functools.cache
def log_once() -> None:
    """Log the backends once per process (a Lambda cold start): info, or a warning with the cost."""
    fields = {"pattern_engine": engine(), "gzip": GZIP_BACKEND}
    if fallbacks():
        logger.warning(f"slow path: {summary()}", extra=fields)
    else:
        logger.info(f"native speed-ups: {summary()}", extra=fields)
