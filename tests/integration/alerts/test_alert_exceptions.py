"""`Alerts.Exceptions` on the live path against moto's server: a brute force from an excepted block
is counted in the window document and notified nowhere (topic, EventBridge); the same batch under
an expired exception, or from another address, is notified as usual."""

from __future__ import annotations

import time
from typing import Any

from stream_processor.handler import lambda_handler
from tests.integration.alerts.test_alerts import ATTACKER, BRUTE_FORCE_PAGES, configure, failed_logins
from tests.support.alerting import AlertPlumbing, alert_entries
from tests.support.builders import compress, envelope, subscription_event


def exception(expires: str, cidr: str = "203.0.113.0/24") -> dict[str, Any]:
    return {
        "Rule": "auth_failure",
        "Cidr": cidr,
        "Reason": "penetration test",
        "Ticket": "SEC-1234",
        "Owner": "secops@example.com",
        "Expires": expires,
    }


def brute_force(address: str = ATTACKER) -> dict[str, Any]:
    return subscription_event(compress(envelope(failed_logins(30, address=address))))


def test_an_active_exception_counts_the_brute_force_and_notifies_nobody(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    configure(aws, Alerts={"Exceptions": [exception("2099-01-01")], **BRUTE_FORCE_PAGES})
    event = brute_force()
    lambda_handler(event, None)
    lambda_handler(event, None)  # a redelivery: counted once
    assert plumbing.notifications(wait=1) == []
    assert plumbing.events() == []
    (entry,) = alert_entries(aws["s3"], aws["bucket"])
    assert entry["rule"] == "auth_failure" and entry["n"] == 30
    assert entry.get("notified") is None  # released: the key's next event is judged again
    lambda_handler(brute_force("198.51.100.7"), None)  # not in the block: notified
    (message,) = plumbing.notifications(wait=2)
    assert "198.51.100.7" in message["Subject"]


def test_an_expired_exception_no_longer_suppresses(aws: dict[str, Any], plumbing: AlertPlumbing) -> None:
    yesterday = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 2 * 86_400))
    configure(aws, Alerts={"Exceptions": [exception(yesterday)], **BRUTE_FORCE_PAGES})
    lambda_handler(brute_force(), None)
    (message,) = plumbing.notifications(wait=2)
    assert message["Subject"] == f"[HIGH] auth_failure in /admin/logs: {ATTACKER}"
    assert len(plumbing.events(wait=1)) == 1


def test_an_exception_can_cover_the_incident_a_login_after_a_brute_force_opens(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    """A red team's brute force and successful login from its own block: the incident is still
    recorded in the window document, and its notification is not sent (the brute force and the
    login stay detections of their own, on EventBridge as before)."""
    from tests.integration.alerts.test_alert_incidents import _incidents, _login

    configure(aws, Alerts={"Exceptions": [{**exception("2099-01-01"), "Rule": "brute_force_login"}]})
    lambda_handler(brute_force(), None)
    lambda_handler(_login(), None)
    assert plumbing.notifications(wait=1) == []
    assert "brute_force_login" not in {event["detail"]["rule"] for event in plumbing.events(wait=1)}
    (incident,) = _incidents(aws).values()
    assert incident["source"] == ATTACKER
