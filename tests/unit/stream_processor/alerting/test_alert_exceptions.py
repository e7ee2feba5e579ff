"""`Alerts.Exceptions`: validated strictly (each error names the entry and key), matched by rule and
principal / CIDR / stream / host, covering events before their expiry only (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stream_processor.alerting.exceptions import AlertException, exception_for, host_of
from stream_processor.alerting.settings import parse_alerts
from stream_processor.config import DEFAULT_DOCUMENT, parse_config
from stream_processor.errors import ConfigError

EXPIRES_MS = int(datetime(2027, 1, 1, tzinfo=UTC).timestamp() * 1000)  # "Expires": "2026-12-31"


@dataclass(frozen=True)
class Hit:
    rule: str = "auth_failure"
    principal: str | None = "deploy"
    source: str | None = "203.0.113.45"
    log_stream: str = "i-0a4f1c2e9b7d30e11/secure"
    host: str | None = "bastion-a"


def entry(**changes: Any) -> dict[str, Any]:
    base = {
        "Rule": "auth_failure",
        "Cidr": "203.0.113.0/24",
        "Reason": "quarterly penetration test",
        "Ticket": "SEC-1234",
        "Owner": "secops@example.com",
        "Expires": "2026-12-31",
    }
    return {key: value for key, value in {**base, **changes}.items() if value is not None}


def parse(*entries: dict[str, Any]) -> tuple[AlertException, ...]:
    return parse_alerts({"Exceptions": list(entries)}).exceptions


def test_the_config_document_carries_its_exceptions() -> None:
    doc = {**DEFAULT_DOCUMENT, "Alerts": {"Exceptions": [entry(Principal="deploy", Host="bastion-*")]}}
    (found,) = parse_config(doc).rules.alerting.exceptions
    assert (found.rule, found.principal, str(found.cidr), found.host) == (
        "auth_failure",
        "deploy",
        "203.0.113.0/24",
        "bastion-*",
    )
    assert found.expires == datetime(2027, 1, 1, tzinfo=UTC)  # a date covers that whole UTC day
    assert found.match == "principal=deploy, cidr=203.0.113.0/24, host=bastion-*"


def test_an_active_exception_covers_a_matching_hit_until_it_expires() -> None:
    (found,) = parse(entry())
    assert exception_for(Hit(), [found], EXPIRES_MS - 1) is found
    assert exception_for(Hit(), [found], EXPIRES_MS) is None  # expired: notified again
    assert exception_for(Hit(source="198.51.100.7"), [found], 0) is None
    assert exception_for(Hit(source="bastion.example.com"), [found], 0) is None  # a name is no address
    assert exception_for(Hit(source=None), [found], 0) is None
    assert exception_for(Hit(rule="ssh_root_login"), [found], 0) is None


def test_every_matcher_given_must_agree_and_the_first_match_wins() -> None:
    narrow, wide = parse(
        entry(Principal="deploy", Stream="i-0a4f*/secure", Host="bastion-?", Ticket="SEC-1"),
        entry(Cidr="203.0.0.0/16", Ticket="SEC-2"),
    )
    assert exception_for(Hit(), [narrow, wide], 0) is narrow
    assert exception_for(Hit(principal="root"), [narrow, wide], 0) is wide
    assert exception_for(Hit(log_stream="i-0a4f/auth"), [narrow], 0) is None
    assert exception_for(Hit(host=None), [narrow], 0) is None
    assert exception_for(Hit(host="bastion-ab"), [narrow], 0) is None


def test_a_datetime_expiry_needs_a_zone_and_is_kept_in_utc() -> None:
    (found,) = parse(entry(Expires="2026-12-05T12:00:00+01:00"))
    assert found.expires == datetime(2026, 12, 5, 11, tzinfo=UTC)
    (zulu,) = parse(entry(Expires="2026-12-05T11:00:00Z"))
    assert zulu.expires == found.expires


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([entry(Expires=None)], "'Alerts.Exceptions[0].Expires' is missing"),
        ([entry(), entry(Owner=None)], "'Alerts.Exceptions[1].Owner' is missing"),
        ([entry(Ticket="")], "'Alerts.Exceptions[0].Ticket' must be a non-empty string"),
        ([entry(Reason=5)], "'Alerts.Exceptions[0].Reason' must be a non-empty string"),
        ([entry(Cidr="203.0.113.0/33")], "'Alerts.Exceptions[0].Cidr': '203.0.113.0/33' is not a CIDR"),
        ([entry(Cidr="203.0.113.9/24")], "has host bits set"),
        ([entry(Cidr=None)], "'Alerts.Exceptions[0]' must match something"),
        ([entry(Expires="31/12/2026")], "'Alerts.Exceptions[0].Expires': '31/12/2026' is neither a date"),
        ([entry(Expires="2026-12-31T18:00:00")], "has no time zone; add Z"),
        ([entry(Expires=20261231)], "'Alerts.Exceptions[0].Expires' must be a date"),
        ([entry(Rule="ssh_failed_login")], "counted in the thresholded group 'auth_failure'"),
        ([entry(Rule="no_such_rule")], "'Alerts.Exceptions[0].Rule': no rule or group 'no_such_rule'"),
        ([entry(Expiry="2026-12-31")], "unknown config key 'Alerts.Exceptions[0].Expiry'"),
        (["auth_failure"], "'Alerts.Exceptions[0]' must be an object"),
    ],
)
def test_a_malformed_exception_names_its_entry_and_key(entries: list[Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(*entries)
    assert message in str(caught.value)


def test_the_section_must_be_a_list() -> None:
    with pytest.raises(ConfigError, match=r"'Alerts\.Exceptions' must be a list"):
        parse_alerts({"Exceptions": {"Rule": "auth_failure"}})


def test_a_user_rule_can_be_excepted() -> None:
    doc = {
        **DEFAULT_DOCUMENT,
        "SecurityRules": {"break_glass": {"Pattern": "break-glass", "Severity": "critical"}},
        "Alerts": {"Exceptions": [entry(Rule="break_glass", Cidr=None, Principal="drill")]},
    }
    (found,) = parse_config(doc).rules.alerting.exceptions
    assert found.rule == "break_glass"


def test_host_is_the_syslog_host() -> None:
    assert host_of("Dec  5 03:21:10 bastion-a sudo:   deploy : TTY=pts/1") == "bastion-a"
    assert host_of("2026-12-05T03:21:10.093Z web-1.internal sshd[42]: Accepted") == "web-1.internal"
    assert host_of("<86>Dec  5 03:21:10 db-2 su[7]: FAILED SU") == "db-2"
    assert host_of('{"eventName": "StopLogging"}') is None
    assert host_of("level=warn user=deploy action=AttachUserPolicy") is None


@given(
    address=st.ip_addresses(v=4),
    prefix=st.integers(min_value=0, max_value=32),
    at=st.integers(min_value=0, max_value=2 * EXPIRES_MS),
)
def test_a_cidr_exception_covers_exactly_its_block_before_its_expiry(
    address: Any, prefix: int, at: int
) -> None:
    import ipaddress

    block = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    (found,) = parse(entry(Cidr=str(block)))
    other = ipaddress.ip_address((int(block.network_address) + block.num_addresses) % 2**32)
    assert (exception_for(Hit(source=str(address)), [found], at) is found) == (at < EXPIRES_MS)
    assert exception_for(Hit(source=str(other)), [found], at) is None or prefix == 0
