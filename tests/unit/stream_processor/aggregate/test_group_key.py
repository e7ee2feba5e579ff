"""`origins.group_key`: the home account's groups keep their names, every other account's are
qualified, and no two (account, group) pairs share a key."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stream_processor.aggregate.origins import group_key

ACCOUNTS = st.from_regex(r"\A[0-9]{12}\Z")
GROUPS = st.from_regex(r"\A[A-Za-z0-9_./#-]{1,40}\Z")  # CloudWatch's log group name characters


@given(ACCOUNTS, st.lists(st.tuples(ACCOUNTS, GROUPS), min_size=1, max_size=20, unique=True))
def test_home_keeps_the_name_and_pairs_stay_apart(home: str, pairs: list[tuple[str, str]]) -> None:
    keys = [group_key(owner, home, group) for owner, group in pairs]
    assert len(set(keys)) == len(pairs)
    for (owner, group), key in zip(pairs, keys, strict=True):
        assert key == (group if owner == home else f"{owner}:{group}")


@given(ACCOUNTS, GROUPS)
def test_without_a_home_account_nothing_is_qualified(owner: str, group: str) -> None:
    assert group_key(owner, "", group) == group
