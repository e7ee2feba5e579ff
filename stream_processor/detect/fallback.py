"""The pure-Python matcher: same answers as RE2 on the rule subset, in linear time.

Used when the `google-re2` wheel is not installed. Patterns (parsed by `syntax`) compile to one
Thompson NFA; texts run through a DFA built lazily from it (each state is a set of NFA positions
plus what the previous character was, which the empty-width assertions need). Every character
costs one dictionary lookup once its transition is known, so the time is linear in the text
whatever the pattern; the transition cache is bounded and starts over when full. Case-insensitive
matching uses Unicode simple case folding, as RE2 does.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from .syntax import Alt, Assert, Cat, Chars, Node, Rep

_CACHE_STATES = 4096
_START, _WORD, _NEWLINE, _OTHER, _END = range(5)
_WORD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def _kind(char: str) -> int:
    return _WORD if char in _WORD_CHARS else _NEWLINE if char == "\n" else _OTHER


def _simple_fold(char: str) -> str:
    """Unicode simple case folding (CaseFolding.txt C+S), as RE2 uses it for `(?i)`."""
    folded = char.casefold()
    if len(folded) == 1:
        return folded
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


@functools.cache
def _orbits() -> dict[str, tuple[str, ...]]:
    """Folded character -> every character folding to it (built once, only when `(?i)` is used)."""
    members: dict[str, list[str]] = {}
    for code in range(0x1F000):
        char = chr(code)
        folded = _simple_fold(char)
        if folded != char:
            members.setdefault(folded, [folded]).append(char)
    return {key: tuple(value) for key, value in members.items()}


def orbit(char: str) -> tuple[str, ...]:
    """The characters case-insensitively equal to `char` (itself included)."""
    return _orbits().get(_simple_fold(char), (char,))


def _in_ranges(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= code <= high for low, high in ranges)


@dataclass(frozen=True, slots=True)
class _Matcher:
    chars: Chars

    def test(self, char: str) -> bool:
        chars = self.chars
        candidates = orbit(char) if chars.fold else (char,)
        hit = any(
            any(_in_ranges(ord(c), ranges) for c in candidates) != negated for ranges, negated in chars.items
        )
        return hit != chars.negated


# Instructions: ("char", _Matcher) ("split", a, b) ("jmp", a) ("assert", kind) ("match", pattern)
Instruction = tuple[str, object, object]


def _emit(node: Node, program: list[Instruction]) -> None:
    if isinstance(node, Chars):
        program.append(("char", _Matcher(node), None))
    elif isinstance(node, Assert):
        program.append(("assert", node.kind, None))
    elif isinstance(node, Cat):
        for item in node.items:
            _emit(item, program)
    elif isinstance(node, Alt):
        jumps = []
        for index, branch in enumerate(node.branches):
            if index < len(node.branches) - 1:
                split = len(program)
                program.append(("split", split + 1, None))
                _emit(branch, program)
                jumps.append(len(program))
                program.append(("jmp", None, None))
                program[split] = ("split", split + 1, len(program))
            else:
                _emit(branch, program)
        for jump in jumps:
            program[jump] = ("jmp", len(program), None)
    else:
        _emit_repeat(node, program)


def _emit_repeat(node: Rep, program: list[Instruction]) -> None:
    for _ in range(node.low):
        _emit(node.node, program)
    if node.high is None:  # loop: split(body, out); body; jmp loop
        loop = len(program)
        program.append(("split", None, None))
        _emit(node.node, program)
        program.append(("jmp", loop, None))
        program[loop] = ("split", loop + 1, len(program))
        return
    pending = []
    for _ in range(node.high - node.low):  # nested optionals: (x(x(x)?)?)?
        pending.append(len(program))
        program.append(("split", None, None))
        _emit(node.node, program)
    for split in pending:
        program[split] = ("split", split + 1, len(program))


def compile_program(trees: Sequence[Node]) -> list[Instruction]:
    """One program for all patterns: instruction 0 forks to each pattern, which ends in `match`."""
    program: list[Instruction] = [("fork", None, None)]
    starts = []
    for index, tree in enumerate(trees):
        starts.append(len(program))
        _emit(tree, program)
        program.append(("match", index, None))
    program[0] = ("fork", tuple(starts), None)
    return program


def _holds(kind: object, before: int, after: int) -> bool:
    if kind == "text_start":
        return before == _START
    if kind == "line_start":
        return before in (_START, _NEWLINE)
    if kind == "text_end":
        return after == _END
    if kind == "line_end":
        return after in (_NEWLINE, _END)
    return ((before == _WORD) != (after == _WORD)) == (kind == "word")


State = tuple[frozenset[int], int]  # NFA positions waiting for a character, kind of the previous one


@dataclass(slots=True)
class LazyDFA:
    """Which patterns of a program occur in a text, one cached transition per character."""

    program: list[Instruction]
    transitions: dict[State, dict[str, tuple[State, int]]] = field(default_factory=dict)
    ends: dict[State, int] = field(default_factory=dict)

    def _closure(self, positions: frozenset[int], before: int, after: int) -> tuple[list[int], int]:
        """Positions reachable without consuming a character (given the neighbours), and matches."""
        program, seen, waiting, matched = self.program, set(), [], 0
        stack = sorted(positions, reverse=True)
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            op, a, b = program[pc]
            if op == "char":
                waiting.append(pc)
            elif op == "match":
                matched |= 1 << int(a)  # type: ignore[call-overload]
            elif op == "fork":
                stack.extend(reversed(a))  # type: ignore[call-overload]
            elif op == "split":
                stack += [b, a]  # type: ignore[list-item]
            elif op == "jmp":
                stack.append(a)  # type: ignore[arg-type]
            elif _holds(a, before, after):
                stack.append(pc + 1)
        return waiting, matched

    def _step(self, state: State, char: str) -> tuple[State, int]:
        if len(self.transitions) >= _CACHE_STATES:
            self.transitions.clear()
            self.ends.clear()
        after = _kind(char)
        waiting, matched = self._closure(state[0], state[1], after)
        program = self.program
        moved = frozenset([0, *(pc + 1 for pc in waiting if program[pc][1].test(char))])  # type: ignore[attr-defined]
        found = ((moved, after), matched)
        self.transitions.setdefault(state, {})[char] = found
        return found

    def _end(self, state: State) -> int:
        matched = self.ends.get(state)
        if matched is None:
            matched = self.ends[state] = self._closure(state[0], state[1], _END)[1]
        return matched

    def search(self, text: str) -> int:
        """Bit i set: pattern i occurs in `text`."""
        state: State = (frozenset([0]), _START)
        found = 0
        transitions = self.transitions
        for char in text:
            row = transitions.get(state)
            step = row.get(char) if row is not None else None
            if step is None:
                step = self._step(state, char)
            state, matched = step
            found |= matched
        return found | self._end(state)


def bits(mask: int) -> list[int]:
    """Indices of the set bits, ascending."""
    return [i for i in range(mask.bit_length()) if mask >> i & 1]
