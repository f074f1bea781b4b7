"""Failures by cause: each failure's signature (its error type and message, values taken
out), the categories a file (or the built-in list) puts failures in, and failing attempts
grouped by signature and category."""

from .categories import OUTCOMES, UNKNOWN, Category, Failure, categorize, category_names, describe
from .category_file import (
    BUILT_IN, DEFAULT_CATEGORIES, CategoriesError, categories_from_yaml, parse_categories,
)
from .groups import count_categories, failure_of, group_failures
from .signature import Signature, normalize_message, normalize_type, signature

__all__ = [
    "BUILT_IN", "DEFAULT_CATEGORIES", "OUTCOMES", "UNKNOWN", "CategoriesError", "Category", "Failure", "Signature",
    "categories_from_yaml", "categorize", "category_names", "count_categories", "describe", "failure_of",
    "group_failures", "normalize_message", "normalize_type", "parse_categories", "signature",
]
