"""`source_of` tries its pattern only where one of its words starts, and not at all where a few
substring tests rule every match out: the same answer as the plain search over the message's first
`SOURCE_SCAN` characters (property test on texts built from the
fragments the pattern looks for)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.detect import keys

FRAGMENTS = (
    "from ", "from 10.0.0.1", "from 10.0.0.1 port 22", "xfrom 1.2.3.4", "from ::1", "from fe80::1:2",
    "rhost=", "rhost=host.example", "_rhost=9.9.9.9", '"sourceIPAddress"', '"sourceIPAddress": "1.1.1.1"',
    '"sourceIPAddress":"iam.amazonaws.com"', "source_ip=", "source_ip=2.2.2.2", 'client_ip="3.3.3.3"',
    "remote_addr=4.4.4.4", "src_ip=5.5.5.5", "sourceIp=6.6.6.6", "xsrc_ip=7.7.7.7", "192.168.0.1 - ",
    "1.2.3.4", " - ", " ", ",", ";", '"', "\n", "é", "Failed password for root ",
    "::1 - ", "fe80::1 - ", "\u0661\u0662.\u0663.\u0664.\u0665 - ", "\u0663", "a", "F", ":", "p", "r", "t",
    "=", "From ", "RHOST=",
)  # fmt: skip


def plain(message: str) -> str | None:
    found = keys._SOURCE.search(message[: keys.SOURCE_SCAN])
    return None if found is None else next(group for group in found.groups() if group)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=8).map("".join))
def test_source_of_is_the_plain_search(message: str) -> None:
    assert keys.source_of(message) == plain(message)


def test_only_the_first_characters_are_read() -> None:
    assert keys.source_of("x" * keys.SOURCE_SCAN + " from 10.0.0.1") is None
    assert keys.source_of("x" * (keys.SOURCE_SCAN - 20) + " from 10.0.0.1") == "10.0.0.1"


def test_an_address_in_any_script_of_digits_still_opens_an_access_line() -> None:
    # `\d` is Unicode: the cheap test in front of the search must let such a line through
    address = "\u0661\u0662.\u0663.\u0664.\u0665"
    assert keys.source_of(f"{address} - - [x] GET /") == address
    assert keys.source_of("GET / from nowhere") is None
