"""The report's `accounts` and `regions`, from partials the pipeline builds in two regions for two
accounts, and their tables in the text and HTML reports (shown only when there is more than one)."""

from __future__ import annotations

from datetime import date

from daily_report.render.html import render_html
from daily_report.render.text import render_text
from daily_report.report import build_report
from daily_report.review.revision import finalise
from stream_processor import aggregate
from stream_processor.config import Config
from stream_processor.pipeline import Rules, aggregate_batch, decode_data
from tests.support.builders import ADMIN, OPERATOR, compress, envelope, log_event, stop_logging

DAY = date(2026, 3, 14)
DAY_MS = 1_773_446_400_000  # 2026-03-14T00:00:00Z


def _partial(owner: str, region: str, group: str, lines: list[str]) -> aggregate.Partial:
    events = [log_event(text, DAY_MS + 3_600_000 + i) for i, text in enumerate(lines)]
    raw = compress(envelope(events, log_group=group, log_stream=f"{owner}-{region}", owner=owner))
    (partial,) = aggregate_batch(decode_data(raw), Rules(region=region))
    return partial


def _report(*partials: aggregate.Partial) -> dict[str, object]:
    merged = aggregate.empty()
    for partial in partials:
        aggregate.merge_into(merged, partial)
    return finalise(build_report(DAY, merged, len(partials), Config()), None, "2026-03-15T00:15:00Z")


def test_accounts_and_regions_are_summed_from_the_origins_and_shown_when_several() -> None:
    report = _report(
        _partial("111111111111", "eu-west-1", ADMIN, ["INFO a", "ERROR b", stop_logging(DAY_MS)]),
        _partial("222222222222", "eu-west-1", ADMIN, ["INFO c"]),
        _partial("222222222222", "us-east-1", OPERATOR, ["ERROR d", "INFO e"]),
    )
    accounts, regions = report["accounts"], report["regions"]
    assert isinstance(accounts, dict) and isinstance(regions, dict)
    assert accounts["111111111111"] == {
        "batches": 1,
        "events": 3,
        "errors": 1,
        "error_rate": 0.333333,
        "security_events": 1,
        "log_groups": {ADMIN: {"events": 3, "errors": 1, "security_events": 1}},
    }
    assert accounts["222222222222"]["log_groups"] == {
        ADMIN: {"events": 1, "errors": 0, "security_events": 0},
        OPERATOR: {"events": 2, "errors": 1, "security_events": 0},
    }
    assert {key: entry["events"] for key, entry in regions.items()} == {"eu-west-1": 4, "us-east-1": 2}
    text = render_text(report)
    section = text.split("\nACCOUNTS AND REGIONS\n")[1].split("\n\n")[0].splitlines()[1:]
    keys = ["account", "111111111111", "222222222222", "region", "eu-west-1", "us-east-1"]
    assert [line.split()[0] for line in section] == keys
    assert section[2].endswith(f"{OPERATOR} 2, {ADMIN} 1")  # the account's groups, largest first
    page = render_html(report)
    assert "<h3>By account</h3>" in page and "<h3>By region</h3>" in page


def test_one_account_in_one_region_adds_no_table_and_an_unknown_region_no_entry() -> None:
    report = _report(_partial("111111111111", "eu-west-1", ADMIN, ["INFO a"]))
    assert list(report["regions"]) == ["eu-west-1"]  # type: ignore[call-overload]
    assert "ACCOUNTS AND REGIONS" not in render_text(report)
    assert "By account" not in render_html(report)
    assert _report(_partial("111111111111", "", ADMIN, ["INFO a"]))["regions"] == {}


def test_another_accounts_group_is_its_own_row_and_the_home_accounts_keeps_the_bare_name() -> None:
    home, other = "111111111111", "222222222222"
    rules = Rules(region="eu-west-1", account=home)
    rows = []
    for owner, lines in ((home, ["INFO a", "ERROR b"]), (other, ["ERROR <c>"])):
        events = [log_event(text, DAY_MS + 3_600_000 + i) for i, text in enumerate(lines)]
        raw = compress(envelope(events, log_group=ADMIN, log_stream=owner, owner=owner))
        rows.extend(aggregate_batch(decode_data(raw), rules))
    assert [list(p["windows"]) for p in rows] == [[ADMIN], [f"{other}:{ADMIN}"]]
    report = _report(*rows)
    groups = report["log_groups"]
    assert isinstance(groups, dict)
    assert {name: (row["events"], row["errors"]) for name, row in groups.items()} == {
        ADMIN: (2, 1),
        OPERATOR: (0, 0),  # expected, silent: as in a single-account stack
        f"{other}:{ADMIN}": (1, 1),
    }
    accounts = report["accounts"]
    assert isinstance(accounts, dict)  # origins keep the bare name under each account
    assert accounts[other]["log_groups"] == {ADMIN: {"events": 1, "errors": 1, "security_events": 0}}
    assert f"{other}:{ADMIN}" in render_html(report) and f"{other}:{ADMIN}" in render_text(report)


def test_without_a_home_account_every_group_keeps_its_bare_name() -> None:
    partials = [_partial(owner, "eu-west-1", ADMIN, ["INFO a"]) for owner in ("111111111111", "222222222222")]
    assert [list(p["windows"]) for p in partials] == [[ADMIN], [ADMIN]]
