"""The source address of a log message, where it names one (pure).

CloudTrail's `sourceIPAddress` (an IP, or the AWS service that acted), sshd's `from ADDR port`,
PAM's `rhost=ADDR`, `[ADDR]` in reverse-mapping notices, and the usual JSON / logfmt keys of
access logs. Anything that is not a valid IPv4/IPv6 address is ignored, except CloudTrail's
service names.
"""

from __future__ import annotations

import ipaddress
import re

_CLOUDTRAIL = re.compile(r'"sourceIPAddress"\s*:\s*"([^"]{1,253})"')
_TEXT = re.compile(
    r"\bfrom ([0-9A-Fa-f:.]{3,45})\b|\brhost=([0-9A-Fa-f:.]{3,45})\b|\[([0-9A-Fa-f:.]{3,45})\]"
    r"|\b(?:src|source_?ip|client_?ip|remote_?addr|remote_?ip|ip)[\"']?\s*[=:]\s*\"?([0-9A-Fa-f:.]{3,45})\b"
)
_SCAN = 4000


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def source_address(message: str) -> str | None:
    """The first source address the message names, normalised; None when it names none."""
    head = message[:_SCAN]
    if "sourceIPAddress" in head:
        found = _CLOUDTRAIL.search(head)
        if found:
            value = found.group(1)
            return _address(value) or (value if value.endswith(".amazonaws.com") else None)
    for match in _TEXT.finditer(head):
        value = next(group for group in match.groups() if group)
        address = _address(value.rstrip(".:"))
        if address:
            return address
    return None
