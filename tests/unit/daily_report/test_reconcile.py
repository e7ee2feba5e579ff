"""Reconciliation (pure): every branch of the hour-by-hour comparison and the recovery commands."""

from __future__ import annotations

from datetime import date

from daily_report.reconcile.cloudwatch import insights_hours
from daily_report.reconcile.compare import Expected, compare, gap_total, hourly_events, recovery_commands

DAY = date(2026, 11, 28)


def _expected(hourly: list[int | None]) -> Expected:
    return Expected("/admin/logs", "ForwardedLogEvents", hourly, delivery_errors=2)


def test_equal_short_over_and_no_data_hours() -> None:
    ours = [10, 8, 12, 0, 5] + [0] * 19
    theirs: list[int | None] = [10, 10, 10, None, None] + [0] * 19
    result = compare(ours, _expected(theirs))
    statuses = [hour.status for hour in result.hours[:5]]
    assert statuses == ["equal", "short", "over", "equal", "over"]  # sparse: no datapoint is 0
    assert [hour.hour for hour in result.gaps] == [1, 2, 4]
    assert result.missing == 2  # only short hours count as missing events
    assert result.status == "gaps"
    assert gap_total([result, result]) == 4


def test_tolerance_is_a_fraction_of_cloudwatchs_count() -> None:
    exact = compare([99] + [0] * 23, _expected([100] + [0] * 23))
    loose = compare([99] + [0] * 23, _expected([100] + [0] * 23), tolerance=0.01)
    assert exact.hours[0].status == "short" and loose.hours[0].status == "equal"


def test_a_day_without_any_cloudwatch_datapoint_is_no_data_not_complete() -> None:
    result = compare([7] + [0] * 23, Expected("/admin/logs", "none", [None] * 24))
    assert result.status == "no_data" and result.gaps == [] and result.missing == 0


def test_complete_day() -> None:
    result = compare([3] * 24, _expected([3] * 24))
    assert result.status == "complete" and recovery_commands(result, DAY, "bkt", "https://q") == []


def test_recovery_commands_cover_exactly_the_short_hours() -> None:
    ours = [0] * 24
    theirs: list[int | None] = [0] * 24
    theirs[5], theirs[7] = 4, 9
    result = compare(ours, _expected(theirs))
    dlq, export, replay = recovery_commands(result, DAY, "bkt", "https://sqs/q")
    assert dlq == "logreview replay --from-dlq https://sqs/q"
    start = 1_795_824_000_000 + 5 * 3_600_000  # 2026-11-28T05:00Z
    assert f"--from {start} --to {start + 3 * 3_600_000}" in export
    assert "--log-group-name /admin/logs" in export and "--destination bkt" in export
    assert replay.startswith("logreview replay s3://bkt/exports/2026-11-28/admin_logs/ --format export")
    assert recovery_commands(result, DAY, "bkt", None)[0].startswith("aws logs create-export-task")


def test_hourly_events_read_from_a_stored_report() -> None:
    report = {"log_groups": {"/admin/logs": {"hourly": [{"events": h, "errors": 0} for h in range(24)]}}}
    assert hourly_events(report, "/admin/logs") == list(range(24))
    assert hourly_events(report, "/operator/logs") == [0] * 24
    assert hourly_events({}, "/admin/logs") == [0] * 24


def test_insights_rows_become_hours() -> None:
    rows = [
        [{"field": "hour", "value": "2026-11-28 03:00:00.000"}, {"field": "events", "value": "17"}],
        [{"field": "hour", "value": "2026-11-27 23:00:00.000"}, {"field": "events", "value": "5"}],
    ]
    hours = insights_hours(rows, DAY)
    assert hours is not None and hours[3] == 17 and sum(h or 0 for h in hours) == 17
    assert insights_hours([], DAY) is None
