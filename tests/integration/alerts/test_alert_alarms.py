"""The template's detection alarms watch metrics the StreamProcessor really emits: run the handler
on a critical detection and a brute force, read its EMF output, compare names and dimensions."""

from __future__ import annotations

from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import load

from stream_processor.alerting.policy import thresholded_groups
from stream_processor.demo.alerts import emf_objects
from stream_processor.handler import lambda_handler
from tests.integration.alerts.test_alerts import failed_logins, trail_batch, trail_config
from tests.support.alerting import AlertPlumbing
from tests.support.builders import compress, envelope, subscription_event
from tests.unit.template.test_template import TEMPLATE_PATH
from tests.unit.template.test_template import alarms as template_alarms


def emitted(lines: list[str]) -> set[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(namespace, metric, dimensions) of every EMF metric in the output."""
    found = set()
    for doc in emf_objects(lines):
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            dimension_names = [name for group in directive.get("Dimensions", []) for name in group]
            dims = tuple(sorted((name, str(doc[name])) for name in dimension_names))
            for metric in directive["Metrics"]:
                found.add((directive["Namespace"], metric["Name"], dims))
    return found


def watched() -> set[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(namespace, metric, dimensions) of every alarm on `Detections` (literal dimension values)."""
    found = set()
    for props in template_alarms(dict(load(str(TEMPLATE_PATH))["Resources"])).values():
        stats = [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m]
        if "MetricName" in props:
            stats.append({k: props.get(k, []) for k in ("Namespace", "MetricName", "Dimensions")})
        for metric in stats:
            if metric["MetricName"] == "Detections":
                dims = tuple(sorted((d["Name"], d["Value"]) for d in metric["Dimensions"]))
                found.add((metric["Namespace"], metric["MetricName"], dims))
    return found


def test_detection_alarms_match_the_emitted_metrics(
    aws: dict[str, Any], plumbing: AlertPlumbing, capsys: pytest.CaptureFixture[str]
) -> None:
    trail_config(aws)
    capsys.readouterr()
    lambda_handler(subscription_event(trail_batch()), None)
    lambda_handler(subscription_event(compress(envelope(failed_logins(50)))), None)
    output = capsys.readouterr().out.splitlines()
    found = emitted(output)
    alarms = watched()
    assert alarms, "no alarm watches Detections"
    shapes = {(ns, metric, tuple(name for name, _ in dims)) for ns, metric, dims in found}
    assert {(ns, metric, tuple(name for name, _ in dims)) for ns, metric, dims in alarms} <= shapes
    severities = {value for _, _, dims in alarms for name, value in dims if name == "Severity"}
    groups = {value for _, _, dims in alarms for name, value in dims if name == "Rule"}
    assert groups == set(thresholded_groups())
    # the ones this run raised were emitted with exactly the alarms' names and values
    assert {a for a in alarms if dict(a[2]).get("Severity") in severities} <= found
    assert ("LogProcessor", "Detections", (("Rule", "auth_failure"),)) in found & alarms
    assert ("LogProcessor", "Detections", (("Severity", "critical"),)) in found
    # StopLogging pages; the brute force alone is held from the topic (no login from it), but its
    # Detections metric is emitted, so AuthFailureOverThreshold still fires
    assert len(plumbing.notifications(wait=2)) == 1


def test_side_channel_failures_have_an_alarm() -> None:
    """The metric the alert sink emits when EventBridge or Security Hub refuse a detection
    (tests/integration/alerts/test_alert_channels.py checks it is emitted) is alarmed."""
    alarms = template_alarms(dict(load(str(TEMPLATE_PATH))["Resources"])).values()
    watched = {(a.get("Namespace"), a.get("MetricName")) for a in alarms}
    assert ("LogProcessor", "SideChannelFailures") in watched
