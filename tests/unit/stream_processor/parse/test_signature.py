"""Error signatures group equal errors: variable parts masked, secrets redacted, bounded length."""

from __future__ import annotations

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
