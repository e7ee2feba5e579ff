"""The report's `incidents` and `admin_actions`: a pure function of the day's merged evidence.

Because they are computed from the merged partial and nothing else (no state of their own), the
partials' guarantees carry over: redelivered, replayed, rolled-up or re-ordered partials merge to
the same evidence and so to the same incidents. Texts are redacted again with the current rules,
as every other text of the report is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stream_processor.alerting.policy import rule_policy
from stream_processor.config import Config
from stream_processor.incidents.admin import admin_actions
from stream_processor.incidents.correlate import Settings, incidents

BRUTE_FORCE_RULE = "ssh_failed_login"  # its group (auth_failure) sets the brute-force threshold


def settings(config: Config) -> Settings:
    """Correlation settings from `Alerts` (window, the auth_failure group's threshold)."""
    rules = config.rules
    threshold = rule_policy(BRUTE_FORCE_RULE, rules.alerting, rules.detector).threshold
    count, interval = (threshold.count, threshold.window_s) if threshold else (20, 300)
    return Settings(rules.alerting.incident_window_s, count, interval, rules.detector)


def section(windows: Mapping[str, Mapping[str, Any]], config: Config) -> dict[str, Any]:
    """`incidents`, `admin_actions` and `admin_actions_total` of the report."""
    redact = config.rules.redact
    found = incidents(windows, settings(config))
    for incident in found:
        for entry in incident["timeline"]:
            entry["line"] = redact(entry["line"])
    rows, total = admin_actions(windows)
    for row in rows:
        row["detail"] = redact(row["detail"])
    return {"incidents": found, "admin_actions": rows, "admin_actions_total": total}
