"""Incidents in the window's alert document (pure: `alerting.incidents.fold_incidents`): a brute
force, a login from its address and the principal's sudo, delivered as separate invocations in
any order after the failures, any of them redelivered any number of times, give one incident
notification, the same counts, and the sudo counted in the incident when it comes after the
login."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.alerting.detections import Detection, find_detections
from stream_processor.alerting.incidents import KIND, Login, fold_incidents, to_topic
from stream_processor.alerting.policy import AlertSettings
from stream_processor.decode import Batch, batch_id
from stream_processor.ingest import _logins
from stream_processor.pipeline import DEFAULT_RULES, analyse_batch

HOUR = 1_764_000_000_000 // 3_600_000 * 3_600_000
ATTACKER = "203.0.113.9"


def _syslog(ms: int) -> str:
    import time

    t = time.gmtime(ms // 1000)
    return time.strftime("%b ", t) + f"{t.tm_mday:2d} " + time.strftime("%H:%M:%S", t)


def _batch(lines: list[tuple[int, str]], serial: int) -> tuple[list[Detection], list[Login]]:
    events = [
        {"id": f"{serial:04d}{i:04d}", "timestamp": at, "message": m} for i, (at, m) in enumerate(lines)
    ]
    batch = Batch(
        "DATA_MESSAGE", "1", "/admin/logs", "i-1/secure", (), events, batch_id("1", "g", f"{serial}", events)
    )
    analysis = analyse_batch(batch)
    detections, _ = find_detections(batch, analysis, DEFAULT_RULES, "archive/a.gz")
    return detections, _logins(batch, analysis, "archive/a.gz")


FAILURES = _batch(
    [(HOUR + 60_000 + i * 2000, f"{_syslog(HOUR + 60_000 + i * 2000)} web-1 sshd[{i}]: Failed password for "
      f"invalid user u{i} from {ATTACKER} port {i} ssh2") for i in range(25)], 1)  # fmt: skip
LOGIN_AT = HOUR + 300_000
LOGIN = _batch(
    [
        (
            LOGIN_AT,
            f"{_syslog(LOGIN_AT)} web-1 sshd[7]: Accepted password for deploy from {ATTACKER} port 9 ssh2",
        )
    ],
    2,
)
SUDO_AT = LOGIN_AT + 95_000
SUDO = _batch(
    [(SUDO_AT, f"{_syslog(SUDO_AT)} web-1 sudo:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; "
               "COMMAND=/usr/sbin/usermod -aG wheel deploy")], 3)  # fmt: skip


def _deliver(order: list[tuple[list[Detection], list[Login]]]) -> tuple[dict[str, Any], list[Detection]]:
    """Fold each delivery as its own invocation (each its own token, settling nothing: marks stay
    pending, as when publishes are slow); (the document, the detections that went to the topic)."""
    document: dict[str, Any] | None = None
    paged: list[Detection] = []
    for n, (detections, logins) in enumerate(order):
        folded = fold_incidents(document, detections, logins, lambda: None, HOUR + 400_000, f"t{n}", None,
                                AlertSettings(), (HOUR, 3600))  # fmt: skip
        document = folded.document or document
        owned = folded.detections if folded.detections is not None else detections
        paged += [owned[i] for i in folded.ours if to_topic(owned[i], AlertSettings())]
    assert document is not None
    return document, paged


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(0, 3))
def test_one_message_and_the_same_counts_whatever_the_order_and_redeliveries(
    rng: random.Random, extra: int
) -> None:
    later = [LOGIN, SUDO]
    rng.shuffle(later)
    order = [FAILURES, *later]
    for _ in range(extra):  # redeliveries, anywhere after their first delivery
        pick = rng.randrange(len(order))
        order.insert(rng.randrange(pick + 1, len(order) + 1), order[pick])
    document, paged = _deliver(order)
    (incident,) = document["incidents"].values()
    assert incident["failed"] == 25 and incident["principals"] == ["deploy"]
    login_first = later[0] is LOGIN
    # the sudo before the login (another shard, processed first) pages by itself: nothing to link yet
    assert sorted(d.rule for d in paged) == ([KIND] if login_first else ["admin_group_added", KIND])
    expected, _ = _deliver([FAILURES, *later])
    assert document["incidents"] == expected["incidents"]  # redeliveries count nothing
    if login_first:
        assert "admin_group_added" in incident["rules"]  # counted in the incident, not sent


def test_a_brute_force_alone_is_held_unless_configured() -> None:
    _, paged = _deliver([FAILURES])
    assert paged == []
    (detection,) = FAILURES[0]
    assert to_topic(detection, AlertSettings(brute_force_alone=True))
