"""Where a partial's batches came from: counts per owner account, region and log group (schema 3).

A partial holds, beside its windows::

    "origins": {"111111111111 eu-west-1 /admin/logs": [batches, events, errors, security_events]}

one entry per (account, region, log group), the three joined by single spaces (an account id and
a region have none, so `split_key` takes them apart; `COUNTS` names the positions). The account
is the envelope's `owner`; the region is that of the function that processed the batch (Lambda's
`AWS_REGION`, empty for the pure `process_data` outside any function): a subscription payload
does not name its region, and a subscription delivers within its group's region, except through
a Logs destination forwarding to a stream in another region, whose batches count under the
stream's. Per account and per region figures are sums over the entries (the daily report's
`accounts` and `regions`), and two accounts' groups of the same name stay apart.

Cost: one entry per batch, from the batch's own windows (nothing per event), and a merge adds
lists; a count list is never changed in place, so merged partials may share them. Merging adds,
so the laws of `partial.merge` hold. A partial written before schema 3 has no `origins`: it
reads and merges as if it were empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

COUNTS = ("batches", "events", "errors", "security_events")

Origins = dict[str, list[int]]  # "account region log_group" → COUNTS


def origin_key(owner: str, region: str, log_group: str) -> str:
    """The entry's key; a space in an (odd) owner becomes `_`, so the key splits back exactly."""
    return f"{owner.replace(' ', '_') if ' ' in owner else owner} {region} {log_group}"


def group_key(owner: str, home: str, log_group: str) -> str:
    """The name a batch's log group is keyed by wherever the pipeline keys by group (windows,
    report rows, metric dimensions, alerts): the bare name for the home account's batches (and
    when the home account is unknown, ""), `<owner>:<group>` for another account's, so two
    accounts' groups of the same name never share a row. `:` is in no account id."""
    return log_group if not home or owner == home or not owner else f"{owner}:{log_group}"


def split_key(key: str) -> tuple[str, str, str]:
    """(account, region, log group) of an entry's key."""
    owner, region, group = key.split(" ", 2)
    return owner, region, group


def batch_origins(owner: str, region: str, log_group: str, hours: Mapping[str, Mapping[str, Any]]) -> Origins:
    """The one entry of a batch's partial of one day (its windows `hours`)."""
    events = errors = security = 0
    for window in hours.values():
        events += window["events"]
        errors += window["errors"]
        security += window["security_events"]
    return {origin_key(owner, region, log_group): [1, events, errors, security]}


def merge_origins(into: Origins, other: Origins) -> None:
    """Add `other`'s entries into `into` (a sum is a new list: neither side's lists change)."""
    for key, counts in other.items():
        found = into.get(key)
        into[key] = counts if found is None else [a + b for a, b in zip(found, counts, strict=True)]
