"""`Memo` against a model (property test): never more than `size` entries, every entry it holds
is the last value remembered for its key, and a full memo starts over rather than growing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stream_processor.aggregate.window import Kept, Texts
from stream_processor.memo import Memo
from stream_processor.redact import Redactor

steps = st.lists(st.tuples(st.integers(0, 12), st.integers()), max_size=80)


@given(st.integers(1, 6), steps)
def test_a_memo_is_a_bounded_dict_that_starts_over_when_full(
    size: int, remembered: list[tuple[int, int]]
) -> None:
    memo: Memo[int, int] = Memo(size)
    model: dict[int, int] = {}
    for key, value in remembered:
        if len(model) >= size:
            model.clear()
        model[key] = value
        assert memo.remember(key, value) == value
        assert memo == model and len(memo) <= size and memo[key] == value


@given(
    st.lists(st.sampled_from(["root", "alice", "AKIAABCDEFGHIJKLMNOP", "status=500", "x" * 70]), max_size=40)
)
def test_what_the_memos_remember_is_what_they_would_compute(texts: list[str]) -> None:
    """A memo this small starts over every few texts; the answers stay those of fresh memos."""
    small = Kept(Redactor(), Texts(Memo(2), Memo(2), Memo(2)))
    for text in texts:
        fresh = Kept(Redactor(), Texts())
        assert small.name(text) == fresh.name(text)
        assert small.signature(text) == fresh.signature(text)
        assert small.sample(text) == fresh.sample(text)
