"""The condition language of alert rules: a tokenizer, a recursive-descent parser into a
syntax tree (see :mod:`.parser` for the grammar) and its evaluation for one group."""

from .errors import ExpressionError
from .evaluate import evaluate
from .nodes import AGGREGATIONS, Node, Series, SeriesSpec, series_in
from .parser import parse

__all__ = ["AGGREGATIONS", "ExpressionError", "Node", "Series", "SeriesSpec", "evaluate", "parse", "series_in"]
