"""What breaking a feedback rule raises: a machine-readable code, a Vietnamese message, an HTTP status."""

from __future__ import annotations


class FeedbackError(Exception):
    """A rule was broken. ``code`` is machine-readable; ``message`` is Vietnamese, for people."""

    status = 422

    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}


class NotFound(FeedbackError):
    """Does not exist, or the caller may not see it (never confirm someone else's feedback exists)."""

    status = 404


class Forbidden(FeedbackError):
    status = 403


class InvalidTransition(FeedbackError):
    status = 409
