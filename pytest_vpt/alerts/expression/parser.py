"""A recursive-descent parser of the condition language into a syntax tree (nodes.py),
checking names and types as it goes. Nothing is ever evaluated as Python.

The grammar (lowest precedence first)::

    condition   := or
    or          := and ("or" and)*
    and         := not ("and" not)*
    not         := "not" not | comparison
    comparison  := sum (("==" | "!=" | "<" | "<=" | ">" | ">=") sum)?
    sum         := product (("+" | "-") product)*
    product     := unary (("*" | "/") unary)*
    unary       := "-" unary | primary
    primary     := NUMBER | PERCENT | DURATION | STRING | "true" | "false"
                 | "(" condition ")" | series
    series      := NAME ["(" [argument ("," argument)*] ")"] ["." AGGREGATION ["(" DURATION ")"]]
    argument    := STRING | NAME "=" STRING | DURATION

NUMBER is ``3``, ``0.5`` or ``1_000``; PERCENT ``10%`` (0.1); DURATION ``500ms``, ``30s``,
``5m``, ``1h``, ``1d`` (in seconds). STRING is in single or double quotes (``\\"`` and
``\\\\`` escaped). A series' text arguments name what it reads (``metric("app_launch_time")``),
``key="value"`` keeps the samples carrying that tag, a duration is the window; an
AGGREGATION (last, avg, min, max, sum, count, p50, p90, p95, p99) folds a sampled series'
values over its window. Strings and booleans compare with ``==`` and ``!=`` only; ``and``,
``or`` and ``not`` take conditions; the whole is a condition (true or false).

Bounds: :data:`~.tokens.MAX_LENGTH` characters, :data:`~.tokens.MAX_TOKENS` tokens,
:data:`MAX_DEPTH` levels of nesting, numbers up to :data:`~.tokens.MAX_NUMBER`.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import ExpressionError
from .nodes import AGGREGATIONS, Arith, Compare, Literal_, Logic, Negate, Node, Not, Series, SeriesSpec, Type
from .tokens import Token, tokenize

MAX_DEPTH = 32
MAX_WINDOW = 31 * 86400.0  # a month
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


def parse(text: str, catalogue: Mapping[str, SeriesSpec]) -> Node:
    """The syntax tree of the condition ``text``, its series looked up in ``catalogue``; else
    an :class:`ExpressionError` saying where and what was expected."""
    parser = _Parser(tokenize(text), catalogue)
    node = parser.condition()
    if parser.peek.kind != "end":
        raise parser.expected("an operator (and, or, ==, >, ...) or the end of the condition")
    if parser.type_of(node) not in ("bool",):
        raise ExpressionError("expected a condition (a comparison, true or false), not a "
                              f"{parser.type_of(node)} value on its own", 0)
    return node


class _Parser:
    def __init__(self, tokens: list[Token], catalogue: Mapping[str, SeriesSpec]) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0
        self.catalogue = catalogue
        self.types: dict[int, Type] = {}

    @property
    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def accept(self, kind: str, *texts: str) -> Token | None:
        token = self.peek
        if token.kind == kind and (not texts or token.text in texts):
            return self.take()
        return None

    def expected(self, what: str) -> ExpressionError:
        token = self.peek
        found = "the end of the condition" if token.kind == "end" else repr(token.text)
        return ExpressionError(f"expected {what}, found {found}", token.offset)

    def typed(self, node: Node, type_: Type) -> Node:
        self.types[id(node)] = type_
        return node

    def type_of(self, node: Node) -> Type:
        return self.types[id(node)]

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nested more than {MAX_DEPTH} levels deep", self.peek.offset)

    def condition(self) -> Node:
        self.nested()
        try:
            return self.or_()
        finally:
            self.depth -= 1

    def _logic(self, op: str, operand) -> Node:
        left = operand()
        while (token := self.accept("keyword", op)) is not None:
            right = operand()
            for side in (left, right):
                self._need(side, "bool", f"'{op}' joins conditions")
            left = self.typed(Logic(op, left, right, token.offset), "bool")
        return left

    def or_(self) -> Node:
        return self._logic("or", self.and_)

    def and_(self) -> Node:
        return self._logic("and", self.not_)

    def not_(self) -> Node:
        token = self.accept("keyword", "not")
        if token is None:
            return self.comparison()
        self.nested()
        try:
            operand = self.not_()
        finally:
            self.depth -= 1
        self._need(operand, "bool", "'not' takes a condition")
        return self.typed(Not(operand, token.offset), "bool")

    def comparison(self) -> Node:
        left = self.sum()
        token = self.accept("op", *_COMPARISONS)
        if token is None:
            return left
        right = self.sum()
        types = {self.type_of(left), self.type_of(right)} - {"any"}
        if len(types) > 1:
            raise ExpressionError(f"cannot compare a {self.type_of(left)} with a {self.type_of(right)}", token.offset)
        if types & {"string", "bool"} and token.text not in ("==", "!="):
            raise ExpressionError(f"{types.pop()} values compare with == and != only, not {token.text}", token.offset)
        if self.accept("op", *_COMPARISONS):
            raise ExpressionError("comparisons do not chain: join them with 'and'", self.tokens[self.at - 1].offset)
        return self.typed(Compare(token.text, left, right, token.offset), "bool")

    def _arith(self, ops: tuple[str, ...], operand) -> Node:
        left = operand()
        while (token := self.accept("op", *ops)) is not None:
            right = operand()
            for side in (left, right):
                self._need(side, "number", f"'{token.text}' takes numbers")
            left = self.typed(Arith(token.text, left, right, token.offset), "number")
        return left

    def sum(self) -> Node:
        return self._arith(("+", "-"), self.product)

    def product(self) -> Node:
        return self._arith(("*", "/"), self.unary)

    def unary(self) -> Node:
        token = self.accept("op", "-")
        if token is None:
            return self.primary()
        self.nested()
        try:
            operand = self.unary()
        finally:
            self.depth -= 1
        self._need(operand, "number", "'-' takes a number")
        return self.typed(Negate(operand, token.offset), "number")

    def _need(self, node: Node, type_: Type, why: str) -> None:
        if self.type_of(node) not in (type_, "any"):
            raise ExpressionError(f"{why}, not a {self.type_of(node)} value", getattr(node, "offset", 0))

    def primary(self) -> Node:
        token = self.peek
        if token.kind in ("number", "percent", "duration"):
            self.take()
            return self.typed(Literal_(float(token.value), token.offset), "number")
        if token.kind == "string":
            self.take()
            return self.typed(Literal_(str(token.value), token.offset), "string")
        if token.kind == "keyword" and token.text in ("true", "false"):
            self.take()
            return self.typed(Literal_(token.text == "true", token.offset), "bool")
        if self.accept("op", "("):
            inner = self.condition()
            if self.accept("op", ")") is None:
                raise self.expected("')' closing the '(' at column " f"{token.offset + 1}")
            return inner
        if token.kind == "name":
            return self.series()
        raise self.expected("a number, a string, true, false, '(' or a series name")

    def series(self) -> Node:
        token = self.take()
        spec = self.catalogue.get(token.text)
        if spec is None:
            raise ExpressionError(f"unknown series {token.text!r} (known: {', '.join(sorted(self.catalogue))})",
                                  token.offset)
        texts: list[str] = []
        filters: dict[str, str] = {}
        window = None
        if self.accept("op", "("):
            while self.peek.text != ")" or self.peek.kind != "op":
                argument = self.peek
                if argument.kind == "string" and len(texts) < spec.texts and not filters:
                    texts.append(str(self.take().value))
                elif argument.kind == "name" and spec.filters:
                    self.take()
                    if self.accept("op", "=") is None:
                        raise self.expected(f"'=' after the tag name {argument.text!r}")
                    value = self.accept("string")
                    if value is None:
                        raise self.expected(f"a quoted value for the tag {argument.text!r}")
                    filters[argument.text] = str(value.value)
                elif argument.kind == "duration" and spec.window is not None and window is None:
                    window = self._window(self.take())
                else:
                    raise self.expected(self._arguments(spec, len(texts)))
                if self.accept("op", ",") is None:
                    break
            if self.accept("op", ")") is None:
                raise self.expected(f"',' or ')' in the arguments of {spec.name}")
        if len(texts) < spec.texts:
            raise ExpressionError(f"{spec.name} needs {spec.texts} quoted name(s), e.g. {spec.name}(\"...\")",
                                  token.offset)
        aggregation = None
        if self.accept("op", "."):
            name = self.accept("name")
            if name is None or name.text not in AGGREGATIONS:
                if name is not None:
                    self.at -= 1
                raise self.expected(f"an aggregation ({', '.join(AGGREGATIONS)})")
            if not spec.sampled:
                raise ExpressionError(f"{spec.name} is one value per group: it takes no aggregation", name.offset)
            aggregation = name.text
            if self.accept("op", "("):
                duration = self.accept("duration")
                if duration is None:
                    raise self.expected("a window such as 5m")
                window = self._window(duration)
                if self.accept("op", ")") is None:
                    raise self.expected("')'")
        node = Series(spec.name, tuple(texts), tuple(sorted(filters.items())), aggregation, window, token.offset)
        type_ = "number" if aggregation not in (None, "last") else spec.type
        return self.typed(node, type_)

    def _window(self, token: Token) -> float:
        value = float(token.value)
        if not 0 < value <= MAX_WINDOW:
            raise ExpressionError(f"a window is more than 0 s and at most 31 days, not {token.text}", token.offset)
        return value

    def _arguments(self, spec: SeriesSpec, texts: int) -> str:
        can = []
        if texts < spec.texts:
            can.append("a quoted name")
        if spec.filters:
            can.append('a tag filter such as app="netflix"')
        if spec.window is not None:
            can.append("a window such as 5m")
        return f"{' or '.join(can)} in {spec.name}(...)" if can else f"')': {spec.name} takes no arguments"
