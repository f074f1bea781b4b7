"""The one error of the condition language."""

from __future__ import annotations


class ExpressionError(ValueError):
    """A condition that cannot be read: ``offset`` is where in its text (0-based), the
    message says what was wrong or expected."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return f"column {self.offset + 1}: {self.message}"
