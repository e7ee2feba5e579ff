"""Notifications per incident against moto's server: a brute force, then a login from its address,
then the principal's sudo and IAM change, each in its own invocation as they would arrive in real
time. One message, sent at the login and naming both; the later detections are counted in the
incident, not sent; redeliveries change nothing."""

from __future__ import annotations

from typing import Any

import orjson

from stream_processor.handler import lambda_handler
from tests.integration.alerts.test_alerts import ATTACKER, NOW_MS, failed_logins
from tests.support.alerting import AlertPlumbing
from tests.support.aws import list_keys
from tests.support.builders import compress, envelope, log_event, subscription_event

LOGIN_MS = NOW_MS + 400_000
SUDO = (
    "Dec 10 07:02:35 bastion sudo:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; "
    "COMMAND=/usr/sbin/usermod -aG wheel deploy"
)
ATTACH = (
    "level=warn user=deploy action=AttachUserPolicy status=ok "
    f"policy=arn:aws:iam::aws:policy/AdministratorAccess source_ip={ATTACKER}"
)


def _batch(lines: list[tuple[int, str]], stream: str = "i-1/secure") -> dict[str, Any]:
    events = [log_event(line, at, f"{at}{i:04d}") for i, (at, line) in enumerate(lines)]
    return subscription_event(compress(envelope(events, log_stream=stream)))


def _login(source: str = ATTACKER, who: str = "deploy") -> dict[str, Any]:
    return _batch(
        [
            (
                LOGIN_MS,
                f"Dec 10 07:01:00 bastion sshd[77]: Accepted password for {who} from {source} port 9 ssh2",
            )
        ]
    )


def _incidents(aws: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key in list_keys(aws["s3"], aws["bucket"], "alerts/"):
        document = orjson.loads(aws["s3"].get_object(Bucket=aws["bucket"], Key=key)["Body"].read())
        found.update(document.get("incidents", {}))
    return found


def test_brute_force_then_login_then_changes_is_one_message_at_the_login(
    aws: dict[str, Any], plumbing: AlertPlumbing
) -> None:
    lambda_handler(subscription_event(compress(envelope(failed_logins(30)))), None)
    assert plumbing.notifications(wait=1) == []  # the brute force alone waits for a login
    login = _login()
    lambda_handler(login, None)
    (message,) = plumbing.notifications(wait=2)
    assert message["Subject"] == f"[HIGH] brute_force_login in /admin/logs: {ATTACKER} -> deploy"
    assert f"30 failed login(s) from {ATTACKER}, then a login as deploy" in message["Message"]
    assert "Accepted password for deploy" in message["Message"]
    changes = [_batch([(LOGIN_MS + 95_000, SUDO)]), _batch([(LOGIN_MS + 135_000, ATTACH)], "i-1/admin")]
    for event in changes:
        lambda_handler(event, None)
    (incident,) = _incidents(aws).values()
    counted = incident["n"]
    assert incident["principals"] == ["deploy"] and incident["failed"] == 30
    assert {"admin_group_added", "iam_change_logged"} <= set(incident["rules"])
    for event in [login, *changes]:  # redelivered: nothing new, nothing counted twice
        lambda_handler(event, None)
    assert plumbing.notifications(wait=2) == []
    assert _incidents(aws)[next(iter(_incidents(aws)))]["n"] == counted
    events = {e["detail"]["rule"]: e["detail"] for e in plumbing.events(wait=2)}
    assert events["admin_group_added"]["incident"]["id"] == next(iter(_incidents(aws)))  # counted in it


def test_a_login_from_another_address_opens_no_incident(aws: dict[str, Any], plumbing: AlertPlumbing) -> None:
    lambda_handler(subscription_event(compress(envelope(failed_logins(30)))), None)
    lambda_handler(_login(source="10.20.1.5"), None)
    assert plumbing.notifications(wait=1) == [] and _incidents(aws) == {}
    lambda_handler(_batch([(LOGIN_MS + 95_000, SUDO)]), None)  # then its sudo pages by itself
    (message,) = plumbing.notifications(wait=2)
    assert message["Subject"] == "[HIGH] admin_group_added in /admin/logs: deploy"
