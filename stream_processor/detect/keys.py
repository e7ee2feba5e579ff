"""The key a thresholded rule counts by: the source address an event names (or its principal).

`source_of` reads the address sshd (`from 1.2.3.4`), PAM (`rhost=`), klogind (`from 1.2.3.4`),
CloudTrail (`"sourceIPAddress"`), access logs (the leading client address) and logfmt
(`source_ip=`, `client_ip=`, `remote_addr=`) write; None when there is none. The pattern opens
with `\\b` and an alternation, so Python's engine would try every position; it is tried only where
one of its words starts (`parse.anchored`), the same match (tests/unit/stream_processor/detect/
test_keys_fast.py compares both).
"""

from __future__ import annotations

import re

from ..parse.anchored import leftmost, occurrences

_ADDRESS = r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})"
_SOURCE = re.compile(
    rf"\bfrom ({_ADDRESS})\b|\brhost=([^\s;]+)|\"sourceIPAddress\"\s*:\s*\"([^\"]+)\""
    rf"|\b(?:source_ip|client_ip|remote_addr|src_ip|sourceIp)=\"?([^\s\",]+)|^({_ADDRESS}) - "
)

_SOURCE_WORDS = (  # where every match of `_SOURCE` but the `^` one starts
    "from ", "rhost=", '"sourceIPAddress"', "source_ip=", "client_ip=", "remote_addr=", "src_ip=", "sourceIp="
)  # fmt: skip
SOURCE_SCAN = 4096
# Every match holds `from `, `"sourceIPAddress"` or one of its keys' endings (`t=` of `rhost=`; `p=`
# of `source_ip=`, `client_ip=`, `src_ip=`, `sourceIp=`; `r=` of `remote_addr=`), or opens the text
# with an address: a decimal digit (`\d`, any script) or a hex digit or `:` of an IPv6 address.
_HEX_OR_COLON = frozenset("abcdefABCDEF:")


def _may_name_source(text: str) -> bool:
    """False only where `_SOURCE` cannot match: a few substring tests at C speed instead of the word
    scans and tries (most texts name no source)."""
    first = text[:1]
    return (
        "from " in text
        or "p=" in text
        or "r=" in text
        or "t=" in text
        or '"sourceIPAddress"' in text
        or first in _HEX_OR_COLON
        or first.isdecimal()
    )


def source_of(message: str) -> str | None:
    """The source address (or remote host name) an event names, if any."""
    text = message[:SOURCE_SCAN]
    if not _may_name_source(text):
        return None
    found = leftmost(_SOURCE, text, [0, *occurrences(text, _SOURCE_WORDS)])
    if found is None:
        return None
    return next(group for group in found.groups() if group)
