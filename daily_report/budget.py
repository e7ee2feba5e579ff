"""The daily job's time budget: one deadline, handed down from the handler, that every wait obeys.

Lambda stops the DailyReport function at its Timeout (at most 900 s). A night may need more: each
day generated waits for its rollups (the fan-out, at most `FANOUT_MAX_WAIT`), reconciliation may
wait for a Logs Insights query per log group (`QueryTimeoutSeconds`), and the run revisits
`LookbackDays` earlier days. So the handler turns `context.get_remaining_time_in_millis()`, less
`MARGIN`, into a `Deadline`, and the job derives every wait from what is left of it:

- the target day keeps `TARGET_NEED` in reserve from the start (the day, then metrics and SNS);
- an earlier day (late data) is generated here only while `DAY_NEED` fits in front of that
  reserve; the others are handed off, each to its own invocation (`{"date": ..., "late_data": false}`);
- a day's fan-out waits at most until `AFTER_WAIT` (merge, baselines, render, write) plus what
  must follow it is left;
- reconciliation (optional) runs only with `RECONCILE_MIN` to spare, and each Insights query waits
  at most until `FINISH` is left.

Without a context (the CLI, local runs) the deadline is unlimited and the caps alone apply.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

LAMBDA_MAX_TIMEOUT = 900.0  # seconds: the longest a Lambda invocation may run
MARGIN = 30.0  # the run is done (or handed off) this long before Lambda would stop it
FANOUT_MAX_WAIT = 660.0  # the longest a day waits for its rollups, with or without a deadline
DAY_MIN_WAIT = 60.0  # the least fan-out wait a day is started with (a 5 M-partial day refreshes in ≈ 40 s)
AFTER_WAIT = 120.0  # what a day needs after the wait: merge, baselines, render and write its report
FINISH = 30.0  # metrics and the SNS summary, after the last day
RECONCILE_MIN = 30.0  # reconciliation is skipped with less than this to spare beyond FINISH

DAY_NEED = DAY_MIN_WAIT + AFTER_WAIT  # an earlier day generated in this invocation
TARGET_NEED = DAY_NEED + FINISH  # kept for the target day from the start
LEAST_TIMEOUT = TARGET_NEED + MARGIN  # the shortest Timeout a DailyReport function can work with


class RemainingTime(Protocol):
    """What the job reads of a Lambda context."""

    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Deadline:
    """A moment on `clock` (seconds, monotonic) by which the run is done; `inf` when unlimited."""

    at: float
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(clock() + seconds, clock)

    @classmethod
    def unlimited(cls, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(math.inf, clock)

    @classmethod
    def from_context(
        cls, context: RemainingTime | None, clock: Callable[[], float] = time.monotonic
    ) -> Deadline:
        """Lambda's remaining time less `MARGIN`; unlimited without a context."""
        if context is None:
            return cls.unlimited(clock)
        return cls.after(context.get_remaining_time_in_millis() / 1000 - MARGIN, clock)

    @property
    def limited(self) -> bool:
        return math.isfinite(self.at)

    def remaining(self) -> float:
        """Seconds left (never negative; `inf` when unlimited)."""
        return max(0.0, self.at - self.clock())

    def allows(self, seconds: float) -> bool:
        return self.remaining() >= seconds

    def wait(self, most: float, reserve: float) -> float:
        """How long a wait may last: `most`, or less so that `reserve` seconds stay."""
        return max(0.0, min(most, self.remaining() - reserve))
