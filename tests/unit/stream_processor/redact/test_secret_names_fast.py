"""`looks_like_secret`'s shortcut (names of a few plain characters are judged by one match) says
exactly what the rules one by one say (`secret_names._judged`)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from stream_processor.redact import secret_names

names = st.one_of(
    st.text(alphabet="abcxyz0123456789._-", max_size=40),
    st.text(alphabet="abc0129._-:/", max_size=80),
    st.lists(st.sampled_from(["arn:aws:iam::", "0123456789abcdef" * 2, ":", "/", "x", "-", "1"])).map(
        "".join
    ),
    st.text(alphabet="abcXYZ._-", max_size=40),
    st.text(alphabet="abcXYZ0129._-+/=@$:!é ", max_size=40),
    st.text(max_size=12),
)


@settings(max_examples=3000, deadline=None)
@given(names)
@example("0123456789abcdef0123456789abcdef")  # rule 4 with no upper case: 32 letters and digits
@example("P4ssw0rd")
@example("customer-28506")
@example("arn:aws:sts::123456789012:assumed-role/app/0123456789abcdef0123456789abcdef")
def test_the_shortcut_is_the_rules_one_by_one(name: str) -> None:
    assert secret_names.looks_like_secret(name) == secret_names._judged(name)
