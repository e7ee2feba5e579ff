"""When the daily job polls for refreshed rollups: at once, then backing off to every 5 s."""

from __future__ import annotations

from itertools import islice

from hypothesis import given
from hypothesis import strategies as st

from daily_report.source.fanout import FanOut, poll_delays


def test_polls_at_once_then_backs_off_to_the_longest_wait() -> None:
    assert list(islice(poll_delays(0.5, 5.0), 8)) == [0.0, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_defaults_keep_the_nightly_wait_within_a_few_dozen_heads_of_a_fixed_5_s() -> None:
    fanout = FanOut(client=None, function="rollup")  # type: ignore[arg-type]
    delays = list(islice(poll_delays(fanout.first_poll_seconds, fanout.poll_seconds), 200))
    # polls in the first 60 s: a fixed 5 s makes 12; the back-off 3 more (at most 72 HEADs a night)
    elapsed, polls = 0.0, 0
    for delay in delays:
        elapsed += delay
        if elapsed > 60:
            break
        polls += 1
    assert polls == 12 + 3


@given(st.floats(0.01, 10), st.floats(0.01, 60))
def test_never_waits_longer_than_the_longest_wait(first: float, most: float) -> None:
    delays = list(islice(poll_delays(first, most), 40))
    assert delays[0] == 0.0
    assert all(0 < d <= most for d in delays[1:])
    assert delays[1:] == sorted(delays[1:])  # never polls faster later on
    assert delays[-1] == most
