"""Evidence: what the batch analysis classifies, and how a window keeps it (bounded, exact).

The merge laws themselves are stated once, in tests/unit/stream_processor/aggregate/test_merge_laws.py,
on partials that carry evidence (built ones and ones past every evidence cap)."""

from __future__ import annotations

import dataclasses
import functools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor import aggregate
from stream_processor.aggregate import evidence
from stream_processor.aggregate.window import Kept
from stream_processor.decode import Batch, batch_id
from stream_processor.incidents.classify import LINE_LIMIT
from stream_processor.pipeline import DEFAULT_RULES, Rules, analyse_batch

DAY_MS = 1_764_115_200_000  # 2025-11-26T00:00:00Z
SUDO = "Nov 26 10:00:02 web-1 sudo:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND="


def _batch(messages: list[str], group: str = "/admin/logs", stream: str = "i-1/secure") -> Batch:
    events = [
        {"id": f"{i:020d}", "timestamp": DAY_MS + 36_000_000 + i, "message": m}
        for i, m in enumerate(messages)
    ]
    return Batch(
        "DATA_MESSAGE", "111122223333", group, stream, (), events, batch_id("1", group, stream, events)
    )


def test_each_kind_is_classified_with_who_where_and_the_full_redacted_line() -> None:
    command = "/usr/bin/mysql -u root --password=hunter2 -e " + "'select 1' " * 250
    trail = (
        '{"eventVersion":"1.08","eventName":"StopLogging","eventSource":"cloudtrail.amazonaws.com",'
        '"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory"},'
        '"sourceIPAddress":"198.51.100.7","awsRegion":"eu-west-1","recipientAccountId":"111122223333",'
        '"requestParameters":{"name":"main-trail"}}'
    )
    found = analyse_batch(_batch([
        "Nov 26 10:00:00 web-1 sshd[1]: Failed password for invalid user oracle from 203.0.113.9 port 1 ssh2",
        "Nov 26 10:00:01 web-1 sshd[2]: Accepted publickey for deploy from 203.0.113.9 port 2 ssh2: RSA",
        SUDO + command,
        trail,
        "Nov 26 10:00:04 web-1 systemd[1]: Stopped Security Auditing Service.",
        "Nov 26 10:00:05 web-1 useradd[9]: new user: name=backup2, UID=1002",
        "just an ordinary line",
    ])).evidence  # fmt: skip
    kinds = [kind for kind, _ in found]
    assert kinds == [
        "failed_login",
        "key_login",
        "privilege",
        "logging_disabled",
        "logging_disabled",
        "account_change",
    ]
    failed, login, sudo, stop, auditd, useradd = (item for _, item in found)
    assert (failed["src"], failed["host"]) == ("203.0.113.9", "web-1")
    assert (login["who"], login["src"], login["host"]) == ("deploy", "203.0.113.9", "web-1")
    assert "line" not in login and "acct" not in login  # a routine key login is kept small
    assert sudo["who"] == "deploy" and "hunter2" not in sudo["detail"] and "hunter2" not in sudo["line"]
    assert sudo["detail"].startswith("TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/mysql")
    assert len(sudo["line"]) == LINE_LIMIT > 500  # not cut at a sample's 500 characters
    assert (stop["who"], stop["src"], stop["acct"], stop["region"]) == (
        "arn:aws:iam::111122223333:user/mallory", "198.51.100.7", "111122223333", "eu-west-1")  # fmt: skip
    assert stop["detail"] == 'StopLogging {"name":"main-trail"}' and stop["rules"] == [
        "cis_cloudtrail_stopped"
    ]
    assert auditd["host"] == "web-1" and useradd["rules"] == ["user_created"]


def _item(stamp: int, serial: int) -> dict[str, object]:
    return {"t": stamp, "id": f"{serial:06d}", "stream": "s", "src": "203.0.113.9", "line": f"line {serial}"}


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 600_000), st.integers(0, 40)), min_size=1, max_size=60), st.randoms()
)
def test_a_key_keeps_the_earliest_items_of_the_union_once_and_counts_every_event(
    events: list[tuple[int, int]], rng: random.Random
) -> None:
    items = [("failed_login", _item(DAY_MS + offset, serial)) for offset, serial in events]
    parts = [evidence.build(items[i : i + 7]) for i in range(0, len(items), 7)]
    rng.shuffle(parts)
    merged: evidence.Evidence = {}
    for part in parts:
        evidence.merge(merged, part)
    entry = merged["failed_login"]["keys"]["203.0.113.9"]
    assert entry["n"] == len(items) == sum(entry["m"].values())
    distinct = sorted({(item["t"], item["id"]) for _, item in items})
    assert [(i["t"], i["id"]) for i in entry["items"]] == distinct[: evidence.FAILED_ITEMS]


def test_windows_written_before_evidence_existed_still_merge() -> None:
    found = analyse_batch(_batch([SUDO + "/bin/ls"])).partials[0]
    old = aggregate.decode(aggregate.encode(found))
    for window in old["windows"]["/admin/logs"].values():
        del window["evidence"]
    merged = functools.reduce(aggregate.merge, [old, found, old])
    (window,) = merged["windows"]["/admin/logs"].values()
    assert window["evidence"]["privilege"]["keys"]["deploy"]["n"] == 1
    assert aggregate.merge(old, aggregate.empty())["windows"]["/admin/logs"]["10"]["evidence"] == {}


def test_the_rules_keep_one_kept_of_their_redactor_and_memo() -> None:
    """`Rules.kept` (built once) is the `Kept` `analyse_batch` built per batch; it takes no part
    in equality, and a replaced `Rules` gets its own over its own fields."""
    assert DEFAULT_RULES.kept == Kept(DEFAULT_RULES.redact, DEFAULT_RULES.memo)
    other = dataclasses.replace(DEFAULT_RULES, region="eu-west-1")
    assert other.kept.redact is other.redact and other.kept.memo is other.memo
    assert Rules(region="eu-west-1") == other
