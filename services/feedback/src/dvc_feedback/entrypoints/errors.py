"""Feedback's domain errors as the kit's problems (dvckit.problems; request validation is the kit's too)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from dvc_feedback.domain.model import FeedbackError
from dvckit.problems import problem


async def _feedback_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FeedbackError)
    fields = [{"field": k, "message": v} for k, v in (exc.fields or {}).items()]
    return problem(exc.status, exc.code, exc.message, errors=fields)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FeedbackError, _feedback_error)
