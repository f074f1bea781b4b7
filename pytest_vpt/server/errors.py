"""Errors the service answers with: a status and a JSON body naming what was wrong."""

from __future__ import annotations


class ApiError(Exception):
    """Answered as ``{"error": message, "field": field}`` with ``status``."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def body(self) -> dict:
        return {"error": self.message, **({"field": self.field} if self.field else {})}
