"""The daily job's time budget, statically: the template's timeouts against what the code assumes,
and every wait derived from the time left (issue 21 item 7). The run itself, with a fake clock and
slow rollups and Insights, is tests/integration/daily_report/test_daily_budget.py."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from cfnlint.decode.cfn_yaml import load
from hypothesis import given
from hypothesis import strategies as st

from daily_report.budget import (
    AFTER_WAIT,
    FANOUT_MAX_WAIT,
    FINISH,
    LAMBDA_MAX_TIMEOUT,
    LEAST_TIMEOUT,
    MARGIN,
    TARGET_NEED,
    Deadline,
)
from daily_report.job import day_wait
from daily_report.source.fanout import FanOut

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


def _timeouts(value: Any) -> list[int]:
    """Every value a Timeout can take (both branches of an Fn::If)."""
    if isinstance(value, dict) and "Fn::If" in value:
        return [t for branch in value["Fn::If"][1:] for t in _timeouts(branch)]
    return [int(value)]


def _functions() -> dict[str, dict[str, Any]]:
    resources = dict(load(str(TEMPLATE)))["Resources"]
    return {
        name: r["Properties"]
        for name, r in resources.items()
        if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")
    }


def test_every_function_timeout_is_within_lambdas_limit() -> None:
    for name, props in _functions().items():
        assert all(0 < t <= LAMBDA_MAX_TIMEOUT for t in _timeouts(props["Timeout"])), name


def test_the_daily_report_timeout_leaves_the_target_day_and_the_margin() -> None:
    (props,) = [p for p in _functions().values() if p["Handler"] == "daily_report.handler.lambda_handler"]
    assert min(_timeouts(props["Timeout"])) >= LEAST_TIMEOUT == TARGET_NEED + MARGIN
    # the caps alone may not fit (that is why waits are derived from the time left), but one day
    # with the least wait, its merge and the summary must
    assert LEAST_TIMEOUT <= LAMBDA_MAX_TIMEOUT


def test_without_a_context_the_deadline_is_unlimited_and_the_caps_apply() -> None:
    unlimited = Deadline.from_context(None)
    assert not unlimited.limited and math.isinf(unlimited.remaining())
    assert day_wait(unlimited, FINISH) == FANOUT_MAX_WAIT
    assert FanOut(client=None, function="rollup").wait_seconds == FANOUT_MAX_WAIT  # type: ignore[arg-type]


def test_a_context_gives_its_remaining_time_less_the_margin() -> None:
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 900_000)
    deadline = Deadline.from_context(context, clock=lambda: 100.0)  # type: ignore[arg-type]
    assert deadline.at == 100.0 + 900 - MARGIN and deadline.limited


@given(st.floats(0, LAMBDA_MAX_TIMEOUT), st.floats(0, LAMBDA_MAX_TIMEOUT), st.floats(0, LAMBDA_MAX_TIMEOUT))
def test_a_wait_never_eats_into_what_must_follow_it(left: float, most: float, reserve: float) -> None:
    deadline = Deadline.after(left, clock=lambda: 0.0)
    wait = deadline.wait(most, reserve)
    assert 0 <= wait <= most
    assert wait == 0 or wait + reserve <= left + 1e-9


@given(st.floats(0, LAMBDA_MAX_TIMEOUT), st.floats(0, TARGET_NEED))
def test_a_days_fan_out_leaves_its_merge_and_the_reserve(left: float, reserve: float) -> None:
    wait = day_wait(Deadline.after(left, clock=lambda: 0.0), reserve)
    assert 0 <= wait <= FANOUT_MAX_WAIT
    assert wait == 0 or wait + AFTER_WAIT + reserve <= left + 1e-9
