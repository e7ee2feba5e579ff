"""Microseconds per kept text of the built-in redactor, beside a baseline redactor, in one run.

Redaction runs only on texts the pipeline keeps (samples, error signatures, counter keys), once
per distinct text (window.Texts remembers them across batches). Two figures: the cost of one
uncached call, on (1) clean log lines from bench/decode.py's generator, cut as samples are,
(2) counter keys (user names, actions, statuses), (3) lines carrying a secret; and what it does
to the pipeline: `process_data` per event on bench/decode.py's batches with each redactor.

    python -m bench redact
    BENCH_REDACT_BASELINE=/tmp/redact_before.py python -m bench redact   # e.g. `git show
        main~N:stream_processor/redact/redactor.py > /tmp/redact_before.py`, to compare with an older version
"""

from __future__ import annotations

import gc
import importlib.util
import os
import random
import statistics
import string
import time
from collections.abc import Callable
from typing import Any

from bench.decode import (
    ACTIONS,
    USERS,
    _cloudtrail_line,
    _count,
    _json_line,
    _multiline,
    _text_line,
    make_batches,
)
from stream_processor.pipeline import Rules, process_data
from stream_processor.redact import Redactor

Redact = Callable[[str], str]


def _clean(rng: random.Random, count: int) -> list[str]:
    makers = (_json_line, _cloudtrail_line, _text_line, _text_line, _multiline)
    return list({rng.choice(makers)(rng)[:4000] for _ in range(count)})


def _token(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _secrets(rng: random.Random, count: int) -> list[str]:
    alnum = string.ascii_letters + string.digits
    shapes = (
        lambda: f"COMMAND=/usr/bin/mysql -u root -p{_token(rng, alnum, 14)} billing",
        lambda: f"push with ghp_{_token(rng, alnum, 36)} failed",
        lambda: f"Failed password for invalid user {_token(rng, alnum, 10)}!x from 10.0.0.1 port 22 ssh2",
        lambda: f"Cookie: session={_token(rng, alnum, 32)}; theme=dark",
        lambda: f"https://deploy:{_token(rng, alnum, 12)}@git.example.com/repo.git",
        lambda: f"password={_token(rng, alnum, 16)} user=bob",
    )
    return [rng.choice(shapes)() for _ in range(count)]


def _names(rng: random.Random) -> list[str]:
    statuses = ("200", "403", "AccessDenied", "OK", "Client.UnauthorizedOperation")
    return [*USERS, *ACTIONS, *statuses, *(f"arn:aws:iam::123456789012:user/{u}" for u in USERS)]


class _Baseline(Redactor):
    """Another version's redactor behind the current interface (names get its text redaction)."""

    def __init__(self, redact: Redact) -> None:
        super().__init__()
        self._redact = redact  # type: ignore[method-assign]

    def name(self, text: str) -> str:
        return self(text)


def _load_baseline() -> Redactor | None:
    path = os.environ.get("BENCH_REDACT_BASELINE")
    if not path:
        return None
    spec = importlib.util.spec_from_file_location("redact_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return _Baseline(module.Redactor()._redact)


def _time(redact: Redact, texts: list[str]) -> float:
    """Microseconds per text; `_redact` bypasses the short-text cache so every call does the work."""
    gc.collect()
    started = time.perf_counter()
    for text in texts:
        redact(text)
    return (time.perf_counter() - started) * 1e6 / len(texts)


def _pipeline(rules: Rules, batches: list[dict[str, Any]], events: int) -> float:
    """Microseconds per event of `process_data` (the memo in `rules` stays warm, as in a Lambda)."""
    gc.collect()
    started = time.perf_counter()
    for batch in batches:
        process_data(batch["awslogs"]["data"], rules)
    return (time.perf_counter() - started) * 1e6 / events


def _report(label: str, samples: dict[str, list[float]], unit: str) -> None:
    medians = {name: statistics.median(values) for name, values in samples.items()}
    row = "   ".join(f"{name} {value:6.2f} {unit}" for name, value in medians.items())
    ratio = (
        f"   current/baseline {medians['current'] / medians['baseline']:.2f}" if "baseline" in medians else ""
    )
    print(f"  {label:<22} {row}{ratio}")


def main() -> None:
    repeats = int(os.environ.get("BENCH_REPEATS", "5"))
    rng = random.Random(7)
    sets = {
        "clean lines": _clean(rng, 3000),
        "counter keys": _names(rng) * 20,
        "with a secret": _secrets(rng, 600),
    }
    contenders: dict[str, Redactor] = {"current": Redactor()}
    baseline = _load_baseline()
    if baseline is not None:
        contenders["baseline"] = baseline
    print(f"median over {repeats} repeats, contenders interleaved")
    for label, texts in sets.items():
        samples: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(repeats):
            for name, redactor in contenders.items():
                samples[name].append(_time(redactor._redact, texts))  # uncached: the work itself
        _report(f"{label} ({len(texts)})", samples, "us/text")
    batches = make_batches()
    events = sum(map(_count, batches))
    rules = {name: Rules(redact=redactor) for name, redactor in contenders.items()}
    runs: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, rule in rules.items():
            runs[name].append(_pipeline(rule, batches, events))
    _report(f"process_data ({events} events)", runs, "us/event")


if __name__ == "__main__":
    main()
