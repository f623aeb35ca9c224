"""Every error of every service as RFC 9457 problem details (``application/problem+json``), in one shape:

    {"type": "urn:dvc:problem:not_found", "title": "Không tìm thấy", "status": 404,
     "detail": "Không tìm thấy hồ sơ 01-260302-ABC123.", "code": "not_found",
     "errors": [{"field": "phone", "message": "..."}]}

``type`` is a stable URN per error code (``code`` repeats it for clients that switch on a short string); ``title``
is the Vietnamese summary of the status, ``detail`` the service's own message for this occurrence; ``errors``
(field errors) appears only when there are some. Extension members a service adds to its error (limits,
``retry_after_s``) are kept. Services raise ``HTTPException(status, detail={"error": code, "message": text,
"fields": ...})`` or use :func:`problem`; request validation, unknown routes, body limits, an unreachable
database and unexpected exceptions are turned into problems here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from dvckit.logging import get_logger

MEDIA_TYPE: Final = "application/problem+json"
LOCATIONS: Final = ("body", "query", "path", "header", "cookie")
TYPE_PREFIX: Final = "urn:dvc:problem:"
log = get_logger("dvckit.problems")

TITLES: Final[Mapping[int, str]] = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ",
    403: "Không có quyền thực hiện",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    409: "Xung đột với trạng thái hiện tại",
    410: "Không còn hiệu lực",
    413: "Nội dung quá lớn",
    415: "Định dạng không được hỗ trợ",
    422: "Dữ liệu không hợp lệ",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi hệ thống",
    502: "Hệ thống liên kết không phản hồi đúng",
    503: "Dịch vụ tạm thời không sẵn sàng",
    504: "Hệ thống liên kết phản hồi quá chậm",
}


# Pydantic's error types in Vietnamese (a citizen reads these; the English ``msg`` is for developers)
VALIDATION_MESSAGES: Final[Mapping[str, str]] = {
    "missing": "bắt buộc",
    "json_invalid": "JSON không hợp lệ",
    "model_attributes_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
    "string_type": "phải là chuỗi ký tự",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_type": "phải là số",
    "float_parsing": "phải là số",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "datetime_parsing": "phải là thời điểm dạng ISO 8601",
    "string_too_short": "quá ngắn",
    "string_too_long": "quá dài",
    "string_pattern_mismatch": "không đúng định dạng",
    "too_short": "quá ít phần tử",
    "too_long": "quá nhiều phần tử",
    "greater_than": "nhỏ hơn mức cho phép",
    "greater_than_equal": "nhỏ hơn mức cho phép",
    "less_than": "lớn hơn mức cho phép",
    "less_than_equal": "lớn hơn mức cho phép",
    "literal_error": "không phải một giá trị được chấp nhận",
    "enum": "không phải một giá trị được chấp nhận",
    "extra_forbidden": "không được phép",
}


def _field_message(err: Mapping[str, Any]) -> str:
    """Vietnamese for the known kinds; a validator's own message (ValueError text) as it was written."""
    kind = str(err.get("type", ""))
    if kind == "value_error":
        return str(err.get("msg", "")).removeprefix("Value error, ")
    return VALIDATION_MESSAGES.get(kind, "không hợp lệ")


class FieldError(BaseModel):
    field: str = Field(description="The field, dotted for nested ones (`items.0.phone`)")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every service answers every error."""

    type: str = Field(description="Stable URN of the error kind: `urn:dvc:problem:<code>`")
    title: str = Field(description="Short summary of the status, in Vietnamese")
    status: int
    detail: str = Field(description="What went wrong this time (Vietnamese on citizen-facing routes)")
    code: str = Field(description="The error kind as a short string (the URN's last part)")
    errors: list[FieldError] | None = Field(default=None, description="Field errors, when there are some")

    model_config = {"extra": "allow"}


def _code_of(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def problem_body(
    status: int,
    code: str | None = None,
    detail: str | None = None,
    errors: list[dict[str, str]] | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    code = code or _code_of(status)
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{code}",
        "title": TITLES.get(status) or _code_of(status).replace("_", " "),
        "status": status,
        "detail": detail or TITLES.get(status) or code,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return body | {k: v for k, v in extensions.items() if k not in body}


def problem(
    status: int,
    code: str | None = None,
    detail: str | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = problem_body(status, code, detail, errors, **extensions)
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=MEDIA_TYPE)


def problem_bytes(status: int, code: str, detail: str) -> bytes:
    """The body of a problem for plain ASGI code (middleware answering before the app)."""
    return json.dumps(problem_body(status, code, detail), ensure_ascii=False).encode()


def _field_errors(fields: Any) -> list[dict[str, str]] | None:
    """Services name bad fields as a list of names or a {field: message} dict: one shape out."""
    if isinstance(fields, Mapping):
        return [{"field": str(k), "message": str(v)} for k, v in fields.items()]
    if isinstance(fields, list | tuple):
        out = []
        for item in fields:
            if isinstance(item, Mapping):
                out.append({"field": str(item.get("field", "")), "message": str(item.get("message", ""))})
            else:
                out.append({"field": str(item), "message": "Giá trị không hợp lệ."})
        return out
    return None


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if isinstance(exc.detail, Mapping):
        extra = {k: v for k, v in exc.detail.items() if k not in ("error", "message", "fields", "detail")}
        return problem(
            exc.status_code,
            str(exc.detail.get("error") or _code_of(exc.status_code)),
            str(exc.detail.get("message") or exc.detail.get("detail") or ""),
            errors=_field_errors(exc.detail.get("fields")),
            headers=headers,
            **extra,
        )
    text: str | None = exc.detail if isinstance(exc.detail, str) else None
    if text == HTTPStatus(exc.status_code).phrase:
        text = None  # Starlette's own "Not Found": the Vietnamese title says it better
    return problem(exc.status_code, None, text, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """One entry per field in error (the first problem found with it), at most 20."""
    assert isinstance(exc, RequestValidationError)
    found: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        where = ".".join(loc[1:] if loc and loc[0] in LOCATIONS else loc) or (loc[0] if loc else "body")
        where = where if len(where) <= 80 else where[:79] + "…"  # a field name may be the over-long input
        found.setdefault(where, _field_message(err))
    errors = [{"field": k, "message": v} for k, v in list(found.items())[:20]]
    shown = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:3])
    more = f" (và {len(errors) - 3} lỗi khác)" if len(errors) > 3 else ""
    return problem(422, "invalid_fields", f"Dữ liệu không hợp lệ — {shown}{more}.", errors=errors)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("http.unhandled", path=request.url.path, error=repr(exc)[:500])
    return problem(500, "internal_error", "Hệ thống gặp lỗi ngoài dự kiến, vui lòng thử lại sau.")


async def json_object(request: Request) -> dict[str, Any]:
    """The request's body as a JSON object, or a 400 problem (``invalid_json``) — for routes that read the raw
    body themselves (provider protocols) instead of a pydantic model."""
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        detail: Any = {"error": "invalid_json", "message": "Nội dung yêu cầu phải là một đối tượng JSON."}
        raise StarletteHTTPException(400, detail=detail)
    return body


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these statuses, each a problem (a route adds those it answers besides the
    common ones: 409, 413, 415…)."""
    return {
        status: {
            "model": Problem,
            "description": TITLES[status],
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


# Declared on every route of a service (OpenAPI): what an error looks like.
PROBLEM_RESPONSES: Final[dict[int | str, dict[str, Any]]] = problem_responses(
    400, 401, 403, 404, 422, 429, 503
)
