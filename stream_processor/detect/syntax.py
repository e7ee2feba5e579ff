"""Rule pattern syntax: a documented subset of RE2's, parsed into a small tree.

The subset (docs/detections.md): literals; `.`; classes `[...]`/`[^...]` with ranges and the
escapes below; `\\d \\D \\w \\W \\s \\S` (ASCII, as in RE2: `\\s` is `[\\t\\n\\f\\r ]`); `\\b \\A \\z`,
`^ $` (end of text; line ends with `(?m)`), not `\\B` (RE2 finds it inside multi-byte
characters); escapes `\\t \\n \\r \\f \\v \\a \\xHH \\x{H...}` and a
backslash before any ASCII punctuation; groups `( )`, `(?: )`, `(?P<name> )`; flags `i m s U`
as `(?flags)`, `(?flags:...)`, `(?-flags)`; `| * + ? {n} {n,} {n,m}` (n, m <= 1000) each
optionally lazy. Not in it: backreferences, lookaround, `\\p{..}`, POSIX `[[:x:]]`, `\\Q..\\E`,
`\\C`, a `{` that does not start a repetition. Everything here is pure Python: it validates
rules on every platform and is what the fallback matcher (`fallback.py`) runs.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_REPEAT = 1000
MAX_PROGRAM = 20_000  # instructions once repetitions are expanded (also bounds the fallback's work)
WORD = ((48, 57), (65, 90), (95, 95), (97, 122))
DIGIT = ((48, 57),)
SPACE = ((9, 10), (12, 13), (32, 32))
_PERL = {"d": (DIGIT, False), "D": (DIGIT, True), "w": (WORD, False), "W": (WORD, True)}
_PERL |= {"s": (SPACE, False), "S": (SPACE, True)}
_SIMPLE = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_ASSERT = {"b": "word", "A": "text_start", "z": "text_end"}
_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class PatternSyntaxError(ValueError):
    """A pattern outside the supported subset; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Chars:
    """A character class: `items` are (ranges, negated) unions; `fold` = case-insensitive (RE2 folding)."""

    items: tuple[tuple[tuple[tuple[int, int], ...], bool], ...]
    negated: bool
    fold: bool


@dataclass(frozen=True, slots=True)
class Cat:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    branches: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Rep:
    node: Node
    low: int
    high: int | None  # None: unbounded


@dataclass(frozen=True, slots=True)
class Assert:
    kind: str  # text_start text_end line_start line_end word not_word


Node = Chars | Cat | Alt | Rep | Assert
EMPTY = Cat(())


@dataclass(slots=True)
class _Flags:
    i: bool = False
    m: bool = False
    s: bool = False


class _Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0

    def fail(self, why: str) -> PatternSyntaxError:
        return PatternSyntaxError(f"{why} at position {self.pos}")

    def peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def parse(self) -> Node:
        node = self.alternation(_Flags())
        if self.pos < len(self.src):
            raise self.fail("unbalanced ')'")
        return node

    def alternation(self, flags: _Flags) -> Node:
        branches = [self.sequence(flags)]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence(flags))
        return branches[0] if len(branches) == 1 else Alt(tuple(branches))

    def sequence(self, flags: _Flags) -> Node:
        items: list[Node] = []
        while self.pos < len(self.src) and self.peek() not in "|)":
            if self.src.startswith("(?", self.pos) and self._flag_group(flags):
                continue  # `(?i)`: changes the flags for the rest of this group
            atom = self.atom(flags)
            items.append(self.repeat(atom))
        return items[0] if len(items) == 1 else Cat(tuple(items))

    def _flag_group(self, flags: _Flags) -> bool:
        """Parse `(?flags)` in place; False when the `(?` starts another kind of group."""
        end = self.src.find(")", self.pos)
        spec = self.src[self.pos + 2 : end]
        if end == -1 or not spec or any(c not in "imsU-" for c in spec):
            return False
        self._apply(flags, spec)
        self.pos = end + 1
        return True

    def _apply(self, flags: _Flags, spec: str) -> None:
        on = True
        if not spec or spec.endswith("-") or spec.count("-") > 1:
            raise self.fail(f"bad flags {spec!r}")
        for letter in spec:
            if letter == "-":
                on = False
            elif letter in "ims":
                setattr(flags, letter, on)
            elif letter != "U":  # non-greedy by default: irrelevant to whether a rule matches
                raise self.fail(f"unsupported flag {letter!r}")

    def repeat(self, atom: Node) -> Node:
        char = self.peek()
        if char in ("*", "+", "?"):
            self.pos += 1
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        elif char == "{":
            low, high = self._counts()
        else:
            return atom
        if isinstance(atom, Assert) or atom == EMPTY:
            raise self.fail("repetition of an empty-width item")
        if self.peek() == "?":
            self.pos += 1
        if self.peek() in ("*", "+", "?", "{"):
            raise self.fail("bad repetition operator")
        return Rep(atom, low, high)

    def _counts(self) -> tuple[int, int | None]:
        end = self.src.find("}", self.pos)
        body = self.src[self.pos + 1 : end] if end != -1 else ""
        low_text, comma, high_text = body.partition(",")
        if not low_text.isdigit() or not (high_text.isdigit() or high_text == ""):
            raise self.fail("'{' must start a repetition {n}, {n,} or {n,m} (write \\{ for a brace)")
        low = int(low_text)
        high = (int(high_text) if high_text else None) if comma else low
        if low > MAX_REPEAT or (high is not None and (high > MAX_REPEAT or high < low)):
            raise self.fail(f"bad repetition count {{{body}}} (0 <= n <= m <= {MAX_REPEAT})")
        self.pos = end + 1
        return low, high

    def atom(self, flags: _Flags) -> Node:
        char = self.peek()
        if char == "(":
            return self.group(flags)
        if char in "*+?{":
            raise self.fail("missing argument to repetition operator")
        self.pos += 1
        if char == ".":
            everything = (((0, 0x10FFFF),), False)
            no_newline = (((10, 10),), True)
            return Chars((everything if flags.s else no_newline,), False, False)
        if char == "^":
            return Assert("line_start" if flags.m else "text_start")
        if char == "$":
            return Assert("line_end" if flags.m else "text_end")
        if char == "[":
            return self.bracket(flags)
        if char == "\\":
            return self.escape(flags)
        return _literal(char, flags)

    def group(self, flags: _Flags) -> Node:
        inner = _Flags(flags.i, flags.m, flags.s)
        if self.src.startswith("(?:", self.pos):
            self.pos += 3
        elif self.src.startswith(("(?P<", "(?<"), self.pos):
            close = self.src.find(">", self.pos)
            name = self.src[self.src.find("<", self.pos) + 1 : close]
            if close == -1 or not name.isidentifier() or not name.isascii():
                raise self.fail("bad group name")
            self.pos = close + 1
        elif self.src.startswith("(?", self.pos):
            colon = self.src.find(":", self.pos)
            if colon == -1 or ")" in self.src[self.pos : colon]:
                raise self.fail("unsupported group (lookaround and the like are not in RE2)")
            self._apply(inner, self.src[self.pos + 2 : colon])
            self.pos = colon + 1
        else:
            self.pos += 1
        node = self.alternation(inner)
        if self.peek() != ")":
            raise self.fail("missing ')'")
        self.pos += 1
        return node

    def escape(self, flags: _Flags) -> Node:
        letter = self.peek()
        self.pos += 1
        if letter in _ASSERT:
            return Assert(_ASSERT[letter])
        if letter in _PERL:
            ranges, negated = _PERL[letter]
            return Chars(((ranges, negated),), False, flags.i)
        return _literal(self._escaped_char(letter), flags)

    def _escaped_char(self, letter: str) -> str:
        if letter in _SIMPLE:
            return _SIMPLE[letter]
        if letter in _PUNCT:
            return letter
        if letter == "x":
            if self.peek() == "{":
                end = self.src.find("}", self.pos)
                digits, self.pos = self.src[self.pos + 1 : end], end + 1
            else:
                digits, self.pos = self.src[self.pos : self.pos + 2], self.pos + 2
            if not (0 < len(digits) <= 6 and all(c in "0123456789abcdefABCDEF" for c in digits)):
                raise self.fail(f"bad \\x escape {digits!r}")
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise self.fail("\\x escape out of range")
            return chr(code)
        if letter == "B":  # RE2 also finds it between the bytes of one multi-byte character
            raise self.fail("\\B is not supported (RE2 matches it inside multi-byte characters)")
        raise self.fail(f"unsupported escape \\{letter}" if letter else "trailing backslash")

    def bracket(self, flags: _Flags) -> Chars:
        negated = self.peek() == "^"
        self.pos += negated
        items: list[tuple[tuple[tuple[int, int], ...], bool]] = []
        first = True
        while True:
            char = self.peek()
            if not char:
                raise self.fail("missing ']'")
            if char == "]" and not first:
                self.pos += 1
                break
            if char == "]" or self.src.startswith(("[:", "[=", "[."), self.pos):
                raise self.fail("write \\] for a literal ']'; POSIX classes are not supported")
            first = False
            if char == "\\" and self.src[self.pos + 1 : self.pos + 2] in _PERL:
                ranges, sub_negated = _PERL[self.src[self.pos + 1]]
                self.pos += 2
                items.append((ranges, sub_negated))
                continue
            low = self._class_char()
            high = low
            if self.peek() == "-" and self.src[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.pos += 1
                high = self._class_char()
                if high < low:
                    raise self.fail(f"bad character class range {chr(low)}-{chr(high)}")
            items.append((((low, high),), False))
        return Chars(tuple(items), negated, flags.i)

    def _class_char(self) -> int:
        char = self.peek()
        self.pos += 1
        if char == "\\":
            letter = self.peek()
            self.pos += 1
            if letter in _PERL or letter in _ASSERT:
                raise self.fail(f"\\{letter} cannot be a range end")
            return ord(self._escaped_char(letter))
        return ord(char)


def _literal(char: str, flags: _Flags) -> Chars:
    code = ord(char)
    return Chars(((((code, code),), False),), False, flags.i)


def parse(source: str) -> Node:
    """The tree of a pattern; `PatternSyntaxError` when it is outside the subset or too large."""
    node = _Parser(source).parse()
    size = program_size(node)
    if size > MAX_PROGRAM:
        raise PatternSyntaxError(f"pattern too large once repetitions are expanded ({size} > {MAX_PROGRAM})")
    return node


def program_size(node: Node) -> int:
    """Instructions the node compiles to (see `fallback.compile_program`)."""
    if isinstance(node, Chars | Assert):
        return 1
    if isinstance(node, Cat):
        return sum(map(program_size, node.items))
    if isinstance(node, Alt):
        return sum(program_size(n) + 2 for n in node.branches)
    body = program_size(node.node)
    optional = 1 if node.high is None else node.high - node.low
    return body * (node.low + optional) + 2 * (optional + 1)
