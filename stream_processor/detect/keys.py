"""The key a thresholded rule counts by: the source address an event names (or its principal).

`source_of` reads the address sshd (`from 1.2.3.4`), PAM (`rhost=`), klogind (`from 1.2.3.4`),
CloudTrail (`"sourceIPAddress"`), access logs (the leading client address) and logfmt
(`source_ip=`, `client_ip=`, `remote_addr=`) write; None when there is none.
"""

from __future__ import annotations

import re

_ADDRESS = r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})"
_SOURCE = re.compile(
    rf"\bfrom ({_ADDRESS})\b|\brhost=([^\s;]+)|\"sourceIPAddress\"\s*:\s*\"([^\"]+)\""
    rf"|\b(?:source_ip|client_ip|remote_addr|src_ip|sourceIp)=\"?([^\s\",]+)|^({_ADDRESS}) - "
)


def source_of(message: str) -> str | None:
    """The source address (or remote host name) an event names, if any."""
    found = _SOURCE.search(message[:4096])
    if found is None:
        return None
    return next(group for group in found.groups() if group)
