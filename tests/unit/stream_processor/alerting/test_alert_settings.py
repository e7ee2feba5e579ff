"""The `Alerts` section of the configuration document, and what a notification says (pure)."""

from __future__ import annotations

import pytest

from stream_processor.alerting.detections import Detection
from stream_processor.alerting.policy import AlertSettings, rule_policy
from stream_processor.alerting.render import finding, notification, subject
from stream_processor.alerting.settings import parse_alerts
from stream_processor.alerting.state import fold, view
from stream_processor.config import DEFAULT_DOCUMENT, parse_config
from stream_processor.errors import ConfigError

HOUR = 1_764_000_000_000 // 3_600_000 * 3_600_000


def test_absent_section_gives_the_defaults_and_the_config_carries_it() -> None:
    assert parse_alerts(None) == AlertSettings()
    doc = {
        **DEFAULT_DOCUMENT,
        "Alerts": {"Floor": "medium", "WindowSeconds": 600, "Thresholds": {"auth_failure": 5}},
    }
    found = parse_config(doc).rules.alerting
    assert (found.floor, found.window_s, dict(found.thresholds)) == ("medium", 600, {"auth_failure": 5})
    assert (found.incident_window_s, found.brute_force_alone) == (3600, False)
    incidents = parse_alerts({"Incidents": {"WindowMinutes": 30, "NotifyBruteForce": "at_threshold"}})
    assert (incidents.incident_window_s, incidents.brute_force_alone) == (1800, True)


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ({"Floor": "urgent"}, "Alerts.Floor"),
        ({"WindowSeconds": 5}, "Alerts.WindowSeconds"),
        ({"WindowSeconds": True}, "Alerts.WindowSeconds"),
        ({"Severity": {"auth_failure": "HIGH"}}, "Alerts.Severity.auth_failure"),
        ({"Thresholds": {"auth_failure": 0}}, "Alerts.Thresholds.auth_failure"),
        ({"Thresholds": []}, "Alerts.Thresholds"),
        ({"Flor": "high"}, "Alerts.Flor"),
        ([], "Alerts"),
        ({"Incidents": {"WindowMinutes": 0}}, "Alerts.Incidents.WindowMinutes"),
        ({"Incidents": {"WindowMinutes": 1441}}, "Alerts.Incidents.WindowMinutes"),
        ({"Incidents": {"WindowMinutes": "60"}}, "Alerts.Incidents.WindowMinutes"),
        ({"Incidents": {"NotifyBruteForce": "always"}}, "Alerts.Incidents.NotifyBruteForce"),
        ({"Incidents": {"Window": 60}}, "Alerts.Incidents.Window"),
        ({"Incidents": 60}, "Alerts.Incidents"),
    ],
)
def test_a_bad_section_names_the_key(section: object, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        parse_alerts(section)


def trail_detection(principal: str) -> Detection:
    policy = rule_policy("cis_root_account_usage")
    return Detection(
        policy, f"principal:{principal}", HOUR, 3600, "/aws/cloudtrail", "123_CloudTrail", "123456789012",
        principal, "StopLogging", "198.51.100.23", 1, HOUR + 5000, HOUR + 5000, '{"eventName":"StopLogging"}',
        "a" * 32, "archive/dt=x/a.gz", "1",
    )  # fmt: skip


def test_subject_is_short_printable_ascii_and_the_text_has_the_context() -> None:
    found = trail_detection("arn:aws:iam::123456789012:user/" + "ü" * 200)
    line = subject(found)
    assert len(line) < 100 and line.isascii() and "\n" not in line
    state = view(fold(None, [found], HOUR + 6000, "t").document, found)
    assert state is not None
    note = notification(found, state, None, "bucket")
    for expected in ("cis_root_account_usage (critical)", "CIS AWS", "stream 123_CloudTrail",
                     "action StopLogging", "source 198.51.100.23", "s3://bucket/archive/dt=x/a.gz",
                     "Next:"):  # fmt: skip
        assert expected in note.text, expected
    asff = finding(note, state, "123456789012", "eu-west-1")
    assert asff["Severity"] == {"Label": "CRITICAL"} and asff["Id"].startswith(
        "logreview/cis_root_account_usage/"
    )
    assert asff["ProductArn"] == "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
    assert len(asff["Description"]) <= 1024 and asff["FirstObservedAt"].endswith("Z")


@pytest.mark.parametrize("extra", [-1, 0, 1, 50])
def test_subject_stays_under_sns_limit_of_100_at_the_boundary(extra: int) -> None:
    """SNS: a subject "must be less than 100 characters": 98 and 99 pass unchanged, 100 and more
    are cut to 99."""
    head = len(subject(trail_detection("")))  # "[CRITICAL] cis_root_account_usage in /aws/cloudtrail: "
    found = trail_detection("x" * (99 - head + extra))
    line = subject(found)
    assert len(line) == min(99 + extra, 99)
    assert line == f"[CRITICAL] cis_root_account_usage in /aws/cloudtrail: {'x' * (99 - head + extra)}"[:99]
