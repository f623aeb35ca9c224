"""Errors as JSON with a Vietnamese message: {"detail": {"error", "message", "fields"}}."""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from dvc_feedback.domain.model import FeedbackError

_MESSAGES: Final = {
    "missing": "bắt buộc",
    "json_invalid": "JSON không hợp lệ",
    "model_attributes_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "string_type": "phải là chuỗi ký tự",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "string_too_short": "quá ngắn",
    "string_too_long": "quá dài",
    "greater_than_equal": "nhỏ hơn mức cho phép",
    "less_than_equal": "lớn hơn mức cho phép",
}


async def _feedback_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FeedbackError)
    body = {"error": exc.code, "message": exc.message, "fields": exc.fields}
    return JSONResponse({"detail": body}, status_code=exc.status)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        name = ".".join(loc) or "body"
        fields.setdefault(name, _MESSAGES.get(str(err.get("type")), "không hợp lệ"))
    message = "Yêu cầu không hợp lệ: " + "; ".join(f"{k}: {v}" for k, v in fields.items()) + "."
    return JSONResponse(
        {"detail": {"error": "invalid_request", "message": message, "fields": fields}}, status_code=422
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FeedbackError, _feedback_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
