"""A syntax tree evaluated for one group, given each series' value for it. No data (None)
makes a comparison false and arithmetic None: a group without data never fires."""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from typing import Any

from .nodes import Arith, Compare, Literal_, Logic, Negate, Node, Not, Series

Value = float | str | bool | None
_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
            ">=": operator.ge}


def evaluate(node: Node, values: Mapping[Series, Any]) -> Value:
    """The value of ``node`` with ``values[series]`` for each series it reads (missing: None)."""
    if isinstance(node, Literal_):
        return node.value
    if isinstance(node, Series):
        return values.get(node)
    if isinstance(node, Logic):
        left = evaluate(node.left, values) is True
        if node.op == "and":
            return left and evaluate(node.right, values) is True
        return left or evaluate(node.right, values) is True
    if isinstance(node, Not):
        return evaluate(node.operand, values) is not True
    if isinstance(node, Compare):
        return _compare(node.op, evaluate(node.left, values), evaluate(node.right, values))
    if isinstance(node, Negate):
        value = evaluate(node.operand, values)
        return -value if _number(value) else None
    if isinstance(node, Arith):
        return _arith(node.op, evaluate(node.left, values), evaluate(node.right, values))
    raise TypeError(f"not a node of a condition: {node!r}")


def _number(value: Value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _compare(op: str, left: Value, right: Value) -> bool:
    if left is None or right is None:
        return False
    if _number(left) and _number(right):
        return bool(_COMPARE[op](float(left), float(right)))
    if isinstance(left, bool) or isinstance(right, bool) or isinstance(left, str) or isinstance(right, str):
        if op not in ("==", "!="):
            return False
        same = type(left) is type(right) and left == right
        return same if op == "==" else not same
    return False


def _arith(op: str, left: Value, right: Value) -> float | None:
    if not (_number(left) and _number(right)):
        return None
    if op == "/" and right == 0:
        return None
    result = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}[op](left, right)
    return result if math.isfinite(result) else None
