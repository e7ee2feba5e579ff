"""Which rules each event of a batch triggers: one engine pass over the texts, then field checks.

Every text rule's pattern, one needle per CloudTrail rule (`records.needle`) and two gates
(a CloudTrail record's `"eventVersion"` key, escaped ASCII) go into one `PatternSet`, so the
batch's text is scanned once for all of them. Only messages that hit a needle are parsed as JSON
and have their CloudTrail rules checked field by field; status rules read the parsed status.

`scan_marked` also finds a caller's literal words (the evidence classifier's needles) in the same
pass: they ride in the one `PatternSet` after the rules' patterns, so finding them costs no
second scan of the batch's text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ..memo import Memo
from . import records
from .engine import PatternSet
from .rules import Rule

_TEXT, _NEEDLE, _GATE, _ESCAPED = range(4)
_UNSETTLED: Any = object()
_METACHARACTERS = frozenset(".^$*+?()[]{}|\\")  # a mark holding none is a literal pattern as it is
_MEMO_SIZE = 4096  # distinct combinations of pattern hits remembered (few occur in practice)
NOT_JSON: Any = object()  # what `Documents` holds for a message orjson refuses
Documents = dict[str, Any]  # message -> `orjson.loads(message)` (or NOT_JSON), for one batch


def load_json(message: str, documents: Documents | None) -> Any:
    """`orjson.loads(message)`, or NOT_JSON; kept in `documents` (when given) so that a second
    reader of the batch (the evidence classifier) does not parse the same record again. The same
    text always loads to the same value, and no reader changes the value it gets."""
    if documents is not None:
        found = documents.get(message)
        if found is not None:
            return found
    try:
        found = orjson.loads(message)
    except orjson.JSONDecodeError:
        found = NOT_JSON
    if documents is not None and found is not None:  # (`null` is not kept: None means not read)
        documents[message] = found
    return found


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one combination of pattern hits whose rules the fields decide is resolved per message:
    what the hits say before the message is read, worked out once per combination instead of per
    message (test_detect_plan.py resolves every combination the plain way too)."""

    reads_record: bool  # a CloudTrail gate and something the record decides: parse the message
    kept: frozenset[int]  # text rules that count whatever the record (scope other than "logs")
    logs_only: frozenset[int]  # text rules of scope "logs": they count only when there is no record
    needles: tuple[int, ...]  # field rules whose needle hit, checked against the record
    escaped: bool  # needles may be hidden by escapes: every field rule is checked


class Detector:
    """The rules in force (sorted by id) and the compiled engine that finds them."""

    __slots__ = (
        "_by_id",
        "_checks",
        "_engines",
        "_field_rules",
        "_memo",
        "_patterns",
        "_slots",
        "_statuses",
        "rules",
    )

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(sorted(rules, key=lambda r: r.id))
        self._by_id = {rule.id: rule for rule in self.rules}
        if len(self._by_id) != len(self.rules):
            raise ValueError("rule ids must be unique")
        self._engines: dict[tuple[str, ...], PatternSet] = {}  # by the marks it also finds
        self._slots: list[tuple[int, int]] = []
        self._patterns: tuple[str, ...] = ()
        self._memo: Memo[tuple[int, ...], tuple[str, ...] | _Plan] = Memo(_MEMO_SIZE)
        statuses: dict[str, list[int]] = {}
        for position, rule in enumerate(self.rules):
            for status in rule.statuses:
                statuses.setdefault(status, []).append(position)
        self._statuses = {status: tuple(found) for status, found in statuses.items()}
        self._field_rules = tuple(p for p, rule in enumerate(self.rules) if rule.fields)
        self._checks = {p: records.compile_rule(self.rules[p]) for p in self._field_rules}

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def _compiled(self, marks: tuple[str, ...] = ()) -> PatternSet:
        """The engine (the rules' patterns, then `marks`), compiled on first use (cold imports stay
        cheap)."""
        engine = self._engines.get(marks)
        if engine is not None:
            return engine
        if not self._slots:
            patterns: list[str] = []
            slots: list[tuple[int, int]] = []
            for position, rule in enumerate(self.rules):
                if rule.pattern is not None:
                    patterns.append(rule.pattern)
                    slots.append((_TEXT, position))
                if rule.fields:
                    patterns.append(records.needle(rule))
                    slots.append((_NEEDLE, position))
            if self._field_rules:
                patterns += [records.RECORD_GATE, records.ESCAPED_ASCII]
                slots += [(_GATE, -1), (_ESCAPED, -1)]
            self._slots = slots
            self._patterns = tuple(patterns)
        for mark in marks:
            if not mark or "\n" in mark or not _METACHARACTERS.isdisjoint(mark):
                raise ValueError(f"a mark is a plain word without regex metacharacters: {mark!r}")
        # built-ins: tested; configured: checked; marks: plain words
        engine = self._engines[marks] = PatternSet([*self._patterns, *marks], validate=False)
        return engine

    def scan(
        self, messages: Sequence[str], statuses: Sequence[str | None] = ()
    ) -> dict[int, tuple[str, ...]]:
        """Event index -> ids of the rules it triggers (sorted); events with none are left out.

        `statuses` are the parsed statuses of the same events (status rules), when known.
        """
        return self.scan_marked(messages, statuses, ())[0]

    def scan_marked(
        self,
        messages: Sequence[str],
        statuses: Sequence[str | None],
        marks: tuple[str, ...],
        documents: Documents | None = None,
    ) -> tuple[dict[int, tuple[str, ...]], dict[int, tuple[str, ...]]]:
        """`scan`, and event index -> the `marks` (plain words) its message holds, in `marks`'
        order; events holding none are left out. One pass over the text finds both. The JSON
        of the messages whose fields were checked is kept in `documents`, when given."""
        engine = self._compiled(marks)
        first_mark = len(self._patterns)
        memo = self._memo
        settled = memo.get  # bound once: a subclass's get is not specialised (stream_processor.memo)
        hits: dict[int, tuple[str, ...]] = {}
        marked: dict[int, tuple[str, ...]] = {}
        for index, patterns in engine.scan(messages).items():
            if patterns[-1] >= first_mark:  # ascending: marks come last
                marked[index] = tuple(marks[p - first_mark] for p in patterns if p >= first_mark)
                patterns = [p for p in patterns if p < first_mark]
                if not patterns:
                    continue
            key = tuple(patterns)
            ids = settled(key, _UNSETTLED)
            if ids is _UNSETTLED:  # first time this combination of patterns is seen
                ids = memo.remember(key, self._settled(key))
            if type(ids) is _Plan:  # depends on the record's fields
                ids = self._ids(self._resolve(messages[index], ids, documents))
            if ids:
                hits[index] = ids
        if self._statuses and statuses and not self._statuses.keys().isdisjoint(statuses):
            wanted = self._statuses
            extra = {i: wanted[status] for i, status in enumerate(statuses) if status in wanted}
            if extra:
                for index, positions in extra.items():
                    hits[index] = tuple(
                        sorted({*hits.get(index, ()), *(self.rules[p].id for p in positions)})
                    )
                hits = dict(sorted(hits.items()))
        return hits, marked

    def _ids(self, positions: set[int]) -> tuple[str, ...]:
        rules = self.rules
        return tuple(rules[p].id for p in sorted(positions))

    def _settled(self, patterns: tuple[int, ...]) -> tuple[str, ...] | _Plan:
        """The rule ids these pattern hits give whatever the message, or their `_Plan` when fields
        decide."""
        kinds = [self._slots[k] for k in patterns]
        if any(kind in (_NEEDLE, _ESCAPED) for kind, _ in kinds):
            return self._plan(patterns)
        texts = [p for kind, p in kinds if kind == _TEXT]
        gated = any(kind == _GATE for kind, _ in kinds)
        if gated and any(self.rules[p].scope == "logs" for p in texts):
            return self._plan(patterns)  # a CloudTrail record drops those rules; only parsing tells
        return self._ids(set(texts))

    def _plan(self, patterns: Sequence[int]) -> _Plan:
        """What these pattern hits say before the message is read (`_Plan`)."""
        kinds = [self._slots[k] for k in patterns]
        gated = any(kind in (_GATE, _ESCAPED) for kind, _ in kinds)
        texts = [p for kind, p in kinds if kind == _TEXT]
        return _Plan(
            reads_record=gated and any(kind != _GATE for kind, _ in kinds),
            kept=frozenset(p for p in texts if self.rules[p].scope != "logs"),
            logs_only=frozenset(p for p in texts if self.rules[p].scope == "logs"),
            needles=tuple(p for kind, p in kinds if kind == _NEEDLE),
            escaped=any(kind == _ESCAPED for kind, _ in kinds),
        )

    def _resolve(self, message: str, plan: _Plan, documents: Documents | None = None) -> set[int]:
        """Rule positions one message triggers, given its pattern hits' `_Plan`: the text rules, and
        where the message is a CloudTrail record, those its fields pass (logs-scope text rules drop)."""
        record = _record(message, documents) if plan.reads_record else None
        if record is None:
            return set(plan.kept | plan.logs_only)
        checks = self._checks
        positions = set(plan.kept)
        positions.update(p for p in plan.needles if checks[p](record))
        if plan.escaped:
            positions.update(p for p in self._field_rules if checks[p](record))
        return positions


def _record(message: str, documents: Documents | None = None) -> Mapping[str, Any] | None:
    """The CloudTrail record a message holds, or None."""
    obj = load_json(message, documents)
    return obj if records.is_record(obj) else None
