"""Many log groups in one report: which are expected (named, or under a prefix and seen in the
history), the silent ones, and the text and HTML reports showing the top groups and one line for
the rest (500 groups, built by the real pipeline)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daily_report.render.groups import HIDDEN, limited
from daily_report.render.html import render_html
from daily_report.render.text import render_text
from daily_report.report import build_report
from daily_report.review.expected import expected_groups
from daily_report.review.revision import finalise
from stream_processor import aggregate
from stream_processor.config import Config
from stream_processor.pipeline import process_data
from tests.support.builders import ADMIN, OPERATOR, compress, envelope, log_event, stop_logging

DAY = date(2026, 3, 14)
DAY_MS = 1_773_446_400_000  # 2026-03-14T00:00:00Z
STAMP = "2026-03-15T00:15:00Z"
PREFIXED = Config(extra_log_groups=("/named/one",), log_group_prefixes=("/app/", "/team-b/"))
GROUPS = 500
SMALL_WITH_DETECTION = "/app/svc-007"


def _history(events: dict[str, int]) -> list[tuple[str, dict[str, Any] | None]]:
    """A stored report of the day before with these groups' event counts, and a day without one."""
    sections = {name: {"events": count} for name, count in events.items()}
    return [("2026-03-13", {"log_groups": sections}), ("2026-03-12", None)]


def test_expected_groups_are_the_named_ones_and_the_prefix_groups_the_history_saw() -> None:
    history = _history({"/app/gone": 5, "/app/quiet": 0, "/other/x": 9, "/team-b/api": 1, "/named/one": 0})
    history.append(("2026-03-11", {"log_groups": {"/app/older": {"events": 2}}}))
    assert expected_groups(PREFIXED, history) == (
        ADMIN,
        OPERATOR,
        "/named/one",  # the configured names first, in their order
        "/app/gone",  # then the prefix groups with an event on some baseline day, by name
        "/app/older",
        "/team-b/api",
    )  # not /app/quiet (zero events: a silent day never keeps a group), nor /other/x (no prefix)
    assert expected_groups(Config(), history) == (ADMIN, OPERATOR)  # no prefixes: the named only


def _batch(group: str, count: int, hour: int = 3, messages: tuple[str, ...] = ()) -> aggregate.Partial:
    start = DAY_MS + hour * 3_600_000
    lines = [*messages, *(f"INFO request {i} ok" for i in range(count - len(messages)))]
    events = [log_event(text, start + i) for i, text in enumerate(lines)]
    (partial,) = process_data(compress(envelope(events, log_group=group, log_stream=f"s-{group}")))
    return partial


def test_a_prefix_group_seen_before_and_silent_today_is_reported_silent_and_alerts() -> None:
    merged = _batch("/app/busy", 4)
    expected = expected_groups(PREFIXED, _history({"/app/busy": 7, "/app/gone": 5}))
    report = build_report(DAY, merged, 1, PREFIXED, expected=expected)
    assert report["log_group_prefixes"] == ["/app/", "/team-b/"]
    assert report["expected_log_groups"] == [ADMIN, OPERATOR, "/named/one", "/app/busy", "/app/gone"]
    assert report["silent_log_groups"] == [ADMIN, OPERATOR, "/named/one", "/app/gone"]
    assert report["log_groups"]["/app/gone"]["events"] == 0
    silent = {a["log_group"]: a["value"] for a in report["alerts"] if a["rule"] == "silent_hours"}
    assert silent["/app/gone"] == 24
    assert silent["/app/busy"] == 20  # expected, quiet from 04:00 to the end of the day
    text = render_text(finalise(report, None, STAMP))
    assert "silent all day (4 expected log group(s) without an event): " in text
    assert "/app/gone" in text.split("silent all day")[1].splitlines()[0]


def test_a_prefix_group_the_history_never_saw_does_not_alert_when_quiet() -> None:
    merged = _batch("/app/new", 4)
    report = build_report(DAY, merged, 1, PREFIXED, expected=expected_groups(PREFIXED, []))
    assert "/app/new" not in report["expected_log_groups"]
    assert not [a for a in report["alerts"] if a["log_group"] == "/app/new"]
    without = build_report(DAY, merged, 1, PREFIXED)  # the default: the configured names only
    assert without["expected_log_groups"] == [ADMIN, OPERATOR, "/named/one"]


@pytest.fixture(scope="module")
def crowded() -> dict[str, Any]:
    """A day of 500 groups under /app/ (svc-i has i + 1 events), one small group with a critical
    detection, and two expected groups silent all day."""
    merged = aggregate.empty()
    for i in range(GROUPS):
        group = f"/app/svc-{i:03d}"
        detection = (stop_logging(DAY_MS + 60_000),) if group == SMALL_WITH_DETECTION else ()
        aggregate.merge_into(merged, _batch(group, i + 1, hour=i % 24, messages=detection))
    expected = expected_groups(PREFIXED, _history({"/app/svc-001": 1, "/app/gone": 5}))
    return finalise(build_report(DAY, merged, GROUPS, PREFIXED, expected=expected), None, STAMP)


def _summary_rows(text: str) -> list[str]:
    block = text.split("\nSUMMARY\n")[1].split("\nALERTS")[0]
    return [line for line in block.splitlines()[2:] if line.startswith("/")]


def test_text_report_shows_the_top_groups_and_one_line_for_the_rest(crowded: dict[str, Any]) -> None:
    assert len(crowded["log_groups"]) == GROUPS + 4  # the 500, the 3 named groups and /app/gone
    text = render_text(crowded)
    rows = _summary_rows(text)
    assert len(rows) == 20
    assert rows[0].startswith(SMALL_WITH_DETECTION)  # an alert other than silence ranks first
    assert [row.split()[0] for row in rows[1:4]] == ["/app/svc-499", "/app/svc-498", "/app/svc-497"]
    shown = {row.split()[0] for row in rows}
    hidden_events = crowded["totals"]["events"] - sum(crowded["log_groups"][g]["events"] for g in shown)
    line = next(line for line in text.splitlines() if line.startswith("… and "))
    assert line == (
        f"… and 484 more log groups (total {hidden_events:,} events, 0 errors, 0 security events; "
        "all 504 in the JSON report)"
    )
    assert re.search(r"silent all day \(4 expected log group\(s\) without an event\): .*/app/gone", text)
    hourly = text.split("\nHOURLY EVENTS (ERRORS)\n")[1].splitlines()
    assert hourly[1] == "(the first 6 of the 20 groups above; the HTML report charts each)"
    assert max(map(len, hourly[2:27])) <= 5 + 6 * 22  # 24 hours in 6 columns, not 20
    every = render_text(crowded, top_groups=1000)
    assert len(text) * 4 < len(every)  # bounded: the full rendering is many times longer
    assert len(text.splitlines()) < 400


def test_html_report_shows_the_top_groups_and_one_line_for_the_rest(crowded: dict[str, Any]) -> None:
    page = render_html(crowded)
    assert page.count("<h2>/app/") == 20
    assert f"<h2>{SMALL_WITH_DETECTION}</h2>" in page
    assert "… and 484 more log groups (total " in page
    assert "silent all day (4 expected log group(s) without an event)" in page
    assert render_html(crowded, top_groups=30).count("<h2>/app/") == 30


def test_a_report_with_few_groups_is_rendered_whole() -> None:
    report = finalise(build_report(DAY, _batch("/app/x", 3), 1, PREFIXED), None, STAMP)
    assert limited(report) is report
    assert "more log groups" not in render_text(report)


_SECTIONS = st.dictionaries(
    st.text("abcdef", min_size=1, max_size=4),
    st.tuples(st.integers(0, 50), st.booleans()),
    max_size=30,
)


@given(_SECTIONS, st.integers(1, 12))
def test_the_view_keeps_alerting_groups_first_and_accounts_for_every_other(
    sections: dict[str, tuple[int, bool]], limit: int
) -> None:
    groups = {
        name: {"events": events, "errors": 0, "security_events_total": int(alert), "bytes": events}
        for name, (events, alert) in sections.items()
    }
    alerts = [{"log_group": name, "rule": "security_event"} for name, (_, alert) in sections.items() if alert]
    report = {"log_groups": groups, "alerts": alerts}
    view = limited(report, limit)
    shown = list(view["log_groups"])
    assert len(shown) == min(limit, len(groups))
    if len(groups) <= limit:
        assert view is report  # all shown, in the report's order
        return
    alerting = [name for name in shown if sections[name][1]]
    assert shown[: len(alerting)] == alerting  # alerting groups come first
    rest = view[HIDDEN]
    hidden = set(groups) - set(shown)
    assert rest["groups"] == len(hidden) and rest["of"] == len(groups)
    assert rest["events"] == sum(groups[name]["events"] for name in hidden)
    if len(alerting) < limit:  # every alerting group fits: none is hidden, and no bigger one is
        assert not any(sections[name][1] for name in hidden)
        quiet_shown = [groups[name]["events"] for name in shown if not sections[name][1]]
        assert min(quiet_shown, default=0) >= max((groups[name]["events"] for name in hidden), default=0)


_NAMES = st.sampled_from(
    ("/app/a", "/app/b", "/app", "/apps/x", "/team-b/api", "/other/x", ADMIN, "/named/one")
)


@given(
    st.lists(st.one_of(st.none(), st.dictionaries(_NAMES, st.integers(0, 3), max_size=6)), max_size=4),
    st.lists(st.sampled_from(("/app/", "/app", "/team-b/", "/none/")), max_size=3, unique=True),
)
def test_expected_groups_are_the_named_then_every_prefix_match_with_an_event(
    days: list[dict[str, int] | None], prefixes: list[str]
) -> None:
    config = Config(extra_log_groups=("/named/one",), log_group_prefixes=tuple(prefixes))
    history = [
        (
            f"2026-03-{13 - i:02d}",
            None if d is None else {"log_groups": {g: {"events": n} for g, n in d.items()}},
        )
        for i, d in enumerate(days)
    ]
    found = expected_groups(config, history)
    named = (ADMIN, OPERATOR, "/named/one")
    seen = {g for d in days if d for g, n in d.items() if n > 0 and any(g.startswith(p) for p in prefixes)}
    assert found == (*named, *sorted(seen - set(named)))
