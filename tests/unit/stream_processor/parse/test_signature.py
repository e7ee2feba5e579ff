"""Error signatures group equal errors: variable parts masked, secrets redacted, bounded length."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processor.parse import signature
from stream_processor.parse.signature import SIGNATURE_LENGTH, error_signature, headline
from stream_processor.redact import DEFAULT_REDACTOR


def test_variable_parts_are_masked_so_equal_errors_share_a_signature() -> None:
    first = "2026-11-25T14:03:22.123Z ERROR timeout after 3000 ms for 10.0.0.7:5432 user 'bob' id 7f3a9c2e"
    second = "2026-11-26T01:00:00Z ERROR timeout after 12 ms for 10.9.8.7:6543 user 'alice' id 0badf00d"
    assert error_signature(first, DEFAULT_REDACTOR) == error_signature(second, DEFAULT_REDACTOR)
    assert (
        error_signature(first, DEFAULT_REDACTOR) == "<*> ERROR timeout after <*> ms for <*> user <*> id <*>"
    )


def test_a_clock_time_is_one_variable_part() -> None:
    assert (
        error_signature("job failed at 10:01:02.5 on node 3", DEFAULT_REDACTOR)
        == "job failed at <*> on node <*>"
    )


def test_python_traceback_is_named_by_its_last_line() -> None:
    trace = 'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\nKeyError: 42\n'
    assert headline(trace) == "KeyError: 42"
    assert error_signature(trace, DEFAULT_REDACTOR) == "KeyError: <*>"


def test_secrets_are_redacted_and_length_is_bounded() -> None:
    signature = error_signature("login failed password=hunter2 " + "x" * 5000, DEFAULT_REDACTOR)
    assert "hunter2" not in signature
    assert len(signature) <= SIGNATURE_LENGTH


# What the mask patterns look at: quotes and escapes, hex words, digits (an Arabic-Indic and a
# full-width one too: `\d` is Unicode), separators of dates, times, addresses and e-mails.
_PIECES = st.sampled_from(
    ['"', "'", "\\", "\\\"", "-", "+", ".", ":", "@", "_", " ", "\n", "T", "Z", "x", "0x", "g", "é",
     "\u0663", "\uff11", "a", "F", "7", "deadbeef", "0badf00d", "12ab", "ab12", "2026-11-25", "14:03:22",
     "10.0.0.7", ":5432", "bob@mail.example.com", "7f3a9c2e-0b1d-4c5e-9f00-123456789abc", "3.14"]
)  # fmt: skip
_TEXTS = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(max_codepoint=127), max_size=60),
    st.lists(_PIECES, max_size=25).map("".join),
)


@settings(max_examples=1500, deadline=None)
@given(_TEXTS)
def test_the_fast_masks_mask_exactly_what_the_plain_ones_do(text: str) -> None:
    assert signature._MASKS_FAST.sub("<*>", text) == signature._MASKS.sub("<*>", text)
    assert signature._MASKS_NO_EMAIL_FAST.sub("<*>", text) == signature._MASKS_NO_EMAIL.sub("<*>", text)
    if text.isascii():
        assert signature._MASKS_ASCII.sub("<*>", text) == signature._MASKS.sub("<*>", text)
        assert signature._MASKS_NO_EMAIL_ASCII.sub("<*>", text) == signature._MASKS_NO_EMAIL.sub("<*>", text)
