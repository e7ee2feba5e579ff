"""LogConfig.LogGroups and LogGroupPrefixes: strict like the rest, the seed groups stay the default."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stream_processor.config import MAX_LISTED_GROUPS, default_config_json, parse_config
from stream_processor.errors import ConfigError
from stream_processor.onboard.selection import Selection, State, Target, decide


def _doc(**log_config: Any) -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads(default_config_json("bucket"))
    doc["LogConfig"].update(log_config)
    return doc


def test_the_two_seed_groups_stay_the_default() -> None:
    config = parse_config(_doc())
    assert config.log_groups == ("/admin/logs", "/operator/logs")
    assert config.log_group_prefixes == ()
    legacy = _doc()
    del legacy["LogConfig"]["LogGroups"], legacy["LogConfig"]["LogGroupPrefixes"]  # an older document
    assert parse_config(legacy).log_groups == ("/admin/logs", "/operator/logs")


def test_extra_groups_follow_the_seed_groups_and_prefixes_are_kept() -> None:
    config = parse_config(
        _doc(LogGroups=["/app/api", "/app/worker"], LogGroupPrefixes=["/team/", "/aws/ecs/"])
    )
    assert config.log_groups == ("/admin/logs", "/operator/logs", "/app/api", "/app/worker")
    assert config.log_group_prefixes == ("/team/", "/aws/ecs/")


@pytest.mark.parametrize(
    ("log_config", "message"),
    [
        ({"LogGroups": "/app/api"}, "'LogConfig.LogGroups' must be list"),
        ({"LogGroups": ["/app/api", 3]}, "'LogConfig.LogGroups[1]' must be a log group name"),
        ({"LogGroups": ["bad name!"]}, "'LogConfig.LogGroups[0]' must be a log group name"),
        ({"LogGroups": [""]}, "'LogConfig.LogGroups[0]' must be a log group name"),
        ({"LogGroups": ["/a", "/a"]}, "'LogConfig.LogGroups[1]': '/a' is already listed"),
        ({"LogGroups": ["/admin/logs"]}, "'LogConfig.LogGroups[0]': '/admin/logs' is already listed"),
        ({"LogGroupPrefixes": ["/team/*"]}, "'LogConfig.LogGroupPrefixes[0]' must be a log group name"),
        ({"LogGroupPrefixes": {"/team/": 1}}, "'LogConfig.LogGroupPrefixes' must be list"),
        ({"LogGroupPrefixes": ["/t"] * 2}, "'LogConfig.LogGroupPrefixes[1]': '/t' is already listed"),
        ({"LogGroupPrefix": ["/t/"]}, "unknown config key 'LogConfig.LogGroupPrefix' (did you mean"),
        ({"LogGroups": [f"/g{i}" for i in range(MAX_LISTED_GROUPS + 1)]}, f"at most {MAX_LISTED_GROUPS}"),
    ],
)
def test_bad_lists_are_refused_naming_the_key(log_config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_doc(**log_config))
    assert message in str(caught.value)


NAMES = st.text(alphabet="/-_.#ab", min_size=1, max_size=12)


@given(group=NAMES, prefixes=st.lists(NAMES, max_size=3), names=st.lists(NAMES, max_size=3))
def test_selection_is_a_name_or_a_prefix_match(group: str, prefixes: list[str], names: list[str]) -> None:
    selection = Selection(tuple(names), tuple(prefixes))
    assert selection.selects(group) == (group in names or any(group.startswith(p) for p in prefixes))


@given(
    filters=st.lists(
        st.sampled_from(["lr-admin", "lr-onboard", "dd", "es", "promtail"]), max_size=3, unique=True
    )
)
def test_a_group_is_ours_full_or_to_subscribe(filters: list[str]) -> None:
    state = decide(Selection(prefixes=("/",)), Target("lr-"), "/g", filters)
    if any(f.startswith("lr-") for f in filters):
        assert state.state is State.SUBSCRIBED  # never a second filter of ours
    elif len(filters) >= 2:
        assert state.state is State.FULL and ", ".join(filters) in state.reason
    else:
        assert state.state is State.TO_SUBSCRIBE


def test_the_stacks_own_function_groups_are_excluded_whatever_selects_them() -> None:
    selection = Selection(prefixes=("/aws/lambda/",), own_prefix="/aws/lambda/lr-")
    assert decide(selection, Target("lr-"), "/aws/lambda/lr-stream-processor", []).state is State.EXCLUDED
    assert decide(selection, Target("lr-"), "/aws/lambda/other", []).state is State.TO_SUBSCRIBE


def test_our_onboard_filter_delivering_elsewhere_is_put_again() -> None:
    target = Target("lr-", destination_arn="arn:stream")
    moved = decide(Selection(prefixes=("/",)), target, "/g", ["lr-onboard"], {"lr-onboard": "arn:function"})
    assert moved.state is State.TO_SUBSCRIBE and "delivers to arn:function" in moved.reason
    same = decide(Selection(prefixes=("/",)), target, "/g", ["lr-onboard"], {"lr-onboard": "arn:stream"})
    assert same.state is State.SUBSCRIBED
    # a template filter (CloudFormation's) is never re-pointed by the sweep
    seed = decide(Selection(prefixes=("/",)), target, "/g", ["lr-admin"], {"lr-admin": "arn:function"})
    assert seed.state is State.SUBSCRIBED
