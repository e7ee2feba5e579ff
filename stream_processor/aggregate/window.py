"""One window of a partial built from its events' columns (the pipeline's aggregation step).

Column by column with C-level tools (`Counter`, `zip`, `min`/`max`, chained `map`s) instead of
per-event dict updates; a one-event window (a sixth of all events arrive in one-event batches)
is built directly. Texts kept in a window (samples, counter keys, error signatures) are redacted
once per distinct text and remembered across batches (`Texts`, bounded); counter keys (principals,
actions, statuses) are masked whole when they look like a secret (`Redactor.name`).
"""

from __future__ import annotations

import heapq
import math
import operator
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from ..incidents.classify import LINE_LIMIT, LINE_SCAN
from ..memo import Memo
from ..parse import ERROR_LEVELS, Parsed
from ..parse.signature import masked_signature, signature_line
from ..redact import Redactor
from . import partial as aggregate
from .histogram import GAMMA, MIN_VALUE, ZERO_BUCKET, bucket_key
from .partial import Latency, Window, make_latency, make_window

SAMPLE_LENGTH = 500
_SAMPLE_SCAN = 4000
_LOG_GAMMA = math.log(GAMMA)  # the same float histogram.bucket_key divides by
_SAMPLES = aggregate.SAMPLES_PER_RULE
_MEMO_TEXT = 1000
_MEMO_SIZE = 8192
Hits = Mapping[int, Sequence[str]]  # event position -> ids of the rules it triggered


@dataclass(slots=True)
class Texts:
    """Redacted samples and error signatures by text: texts recur within and across batches.

    Bounded: texts longer than `_MEMO_TEXT` are not kept, and each memo holds `_MEMO_SIZE` at most.
    """

    samples: Memo[str, str] = field(default_factory=lambda: Memo(_MEMO_SIZE))
    signatures: Memo[str, str] = field(default_factory=lambda: Memo(_MEMO_SIZE))
    names: Memo[str, str] = field(default_factory=lambda: Memo(_MEMO_SIZE))

    def sample(self, text: str, redact: Redactor) -> str:
        found = self.samples.get(text)
        if found is None:
            found = redact(text[:_SAMPLE_SCAN])[:SAMPLE_LENGTH]
            if len(text) <= _MEMO_TEXT:
                self.samples.remember(text, found)
        return found

    def name(self, text: str, redact: Redactor) -> str:
        found = self.names.get(text)
        if found is None:
            found = redact.name(text[:_SAMPLE_SCAN])[:SAMPLE_LENGTH]
            if len(text) <= _MEMO_TEXT:
                self.names.remember(text, found)
        return found

    def signature(self, text: str, redact: Redactor) -> str:
        found = self.signatures.get(text)
        if found is None:
            line = signature_line(text)
            redacted = redact(line)
            found = masked_signature(redacted)
            if len(text) <= _MEMO_TEXT:
                self.signatures.remember(text, found)
                # A one-line text is its own signature line: its sample is the same redaction.
                if line == text and text not in self.samples:
                    self.samples.remember(text, redacted[:SAMPLE_LENGTH])
        return found


@dataclass(frozen=True, slots=True)
class Kept:
    """What the window builders need to keep a text: the redactor and the memo."""

    redact: Redactor
    memo: Texts

    def sample(self, text: str) -> str:
        return self.memo.sample(text, self.redact)

    def name(self, text: str) -> str:
        return self.memo.name(text, self.redact)

    def signature(self, text: str) -> str:
        return self.memo.signature(text, self.redact)

    def line(self, text: str) -> str:
        """A whole line up to `LINE_LIMIT` (evidence); a short one is its sample (same redaction)."""
        if len(text) < SAMPLE_LENGTH:
            found = self.sample(text)
            if len(found) < SAMPLE_LENGTH:  # not cut: the sample is the whole redacted line
                return found
        return self.redact(text[:LINE_SCAN])[:LINE_LIMIT]


@dataclass(frozen=True, slots=True)
class Columns:
    """One window's events, column-wise. `index[j]` is the batch position of the j-th event."""

    index: Sequence[int]
    events: Sequence[dict[str, Any]]
    messages: Sequence[str]
    stamps: Sequence[int]
    parsed: Sequence[Parsed]


def _byte_count(messages: Sequence[str]) -> int:
    if all(map(str.isascii, messages)):
        return sum(map(len, messages))
    return sum(len(m.encode("utf-8", "replace")) for m in messages)


def _latency(values: Sequence[float | None]) -> Latency:
    """The latency histogram of a window; bucket keys computed as `histogram.bucket_key` does."""
    if values.count(None) == len(values):
        return make_latency(0, 0, None, None, {})
    found = sorted(v for v in values if v is not None)
    zero = bisect_left(found, MIN_VALUE)
    indices = map(math.ceil, map(operator.truediv, map(math.log, found[zero:]), repeat(_LOG_GAMMA)))
    buckets = {str(key): count for key, count in Counter(indices).items()}
    if zero:
        buckets[ZERO_BUCKET] = zero
    return make_latency(
        len(found), sum(map(round, map(operator.mul, found, repeat(1000)))), found[0], found[-1], buckets
    )


def _tally(values: Sequence[Any]) -> dict[Any, int]:
    """Counts of values: Counter's C loop for long columns, a plain loop for a few values."""
    if len(values) > 16:
        return dict(Counter(values))
    counts: dict[Any, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _counter(column: Sequence[str | None], texts: Kept) -> dict[str, int]:
    """Counts of a column's values, keys redacted as names (they are log text); capped by `build`."""
    counts: dict[str, int] = {}
    if column.count(None) == len(column):
        return counts
    remembered = texts.memo.names.get
    for key, count in _tally(column).items():
        if key is None:
            continue
        clean = remembered(key)
        if clean is None:
            clean = texts.name(key)
        counts[clean] = counts.get(clean, 0) + count
    return counts


def _signatures(cols: Columns, levels: Sequence[str], texts: Kept) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for j, level in enumerate(levels):
        if level not in ERROR_LEVELS:
            continue
        text = cols.parsed[j].text
        first = [cols.stamps[j], cols.events[j]["id"]]
        entry = found.get(sig := texts.signature(text))
        if entry is None:
            found[sig] = {"count": 1, "first": first, "sample": text}
            continue
        entry["count"] += 1
        if first < entry["first"]:
            entry["first"], entry["sample"] = first, text
    for entry in found.values():
        entry["sample"] = texts.sample(entry["sample"])
    return found


def _matched(cols: Columns, hits: Hits) -> Hits:
    """The window's events that triggered a rule, by position in the window."""
    index = cols.index
    if isinstance(index, range) and index.start == 0 and len(index) == len(cols.messages):
        return hits  # the batch's only window: positions are the same
    return {j: hits[position] for j, position in enumerate(index) if position in hits}


def _security(cols: Columns, matched: Hits, texts: Kept) -> dict[str, Any]:
    """Per rule: events counted, and the `SAMPLES_PER_RULE` earliest (timestamp, id) redacted."""
    flagged: dict[str, list[int]] = {}
    for j, rules in matched.items():
        for rule in rules:
            flagged.setdefault(rule, []).append(j)
    stamps, events, messages = cols.stamps, cols.events, cols.messages
    security: dict[str, Any] = {}
    for rule, found in flagged.items():
        entries = [[stamps[j], events[j]["id"], j] for j in found]
        kept = entries if len(entries) <= _SAMPLES else heapq.nsmallest(_SAMPLES, entries)
        samples = sorted([stamp, event_id, texts.sample(messages[j])] for stamp, event_id, j in kept)
        security[rule] = {"count": len(found), "samples": samples}
    return security


def build(cols: Columns, hits: Hits, texts: Kept) -> Window:
    """A window filled from its events' columns."""
    levels, latencies, principals, actions, statuses, _ = zip(*cols.parsed, strict=True)
    level_counts = _tally(levels)
    errors = sum(level_counts.get(level, 0) for level in ERROR_LEVELS)
    matched = _matched(cols, hits) if hits else {}
    window = make_window(
        len(cols.messages),
        _byte_count(cols.messages),
        errors,
        level_counts,
        _latency(latencies),
        _counter(principals, texts),
        _counter(actions, texts),
        _counter(statuses, texts),
        _signatures(cols, levels, texts) if errors else {},
        _security(cols, matched, texts) if matched else {},
        len(matched),
        min(cols.stamps),
        max(cols.stamps),
    )
    return aggregate.cap_window(window)


def _one_latency(value: float | None) -> Latency:
    """`_latency` of a single value (same bucket key and rounding, without the column machinery)."""
    if value is None:
        return make_latency(0, 0, None, None, {})
    return make_latency(1, round(value * 1000), value, value, {bucket_key(value): 1})


def build_one(event: dict[str, Any], parsed: Parsed, rules: Sequence[str], texts: Kept) -> Window:
    """`build` of a one-event window (a sixth of all events arrive in one-event batches)."""
    level, latency, principal, action, status, text = parsed
    message, stamp, event_id = event["message"], event["timestamp"], event["id"]
    errors = 1 if level in ERROR_LEVELS else 0
    signatures: dict[str, Any] = {}
    if errors:
        signature = texts.signature(text)
        signatures[signature] = {"count": 1, "first": [stamp, event_id], "sample": texts.sample(text)}
    kept = texts.sample(message) if rules else ""
    return make_window(
        1,
        len(message) if message.isascii() else len(message.encode("utf-8", "replace")),
        errors,
        {level: 1},
        _one_latency(latency),
        {} if principal is None else {texts.name(principal): 1},
        {} if action is None else {texts.name(action): 1},
        {} if status is None else {texts.name(status): 1},
        signatures,
        {rule: {"count": 1, "samples": [[stamp, event_id, kept]]} for rule in rules},
        1 if rules else 0,
        stamp,
        stamp,
    )
