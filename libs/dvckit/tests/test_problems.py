"""Every error as RFC 9457 problem details in one shape: service errors, field errors in either of the shapes
services used, request validation, unknown routes, body limits and unexpected exceptions."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel

from dvckit.limits import BodyLimitMiddleware
from dvckit.problems import MEDIA_TYPE, PROBLEM_RESPONSES, TYPE_PREFIX, install_problem_handlers


class Item(BaseModel):
    phone: str
    amount: int


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(BodyLimitMiddleware, max_bytes=1000)
    install_problem_handlers(app)
    router = APIRouter()

    @router.get("/dossiers/{code}")
    async def dossier(code: str) -> dict[str, str]:
        raise HTTPException(404, detail={"error": "not_found", "message": f"Không tìm thấy hồ sơ {code}."})

    @router.post("/items")
    async def items(item: Item) -> Item:
        return item

    @router.post("/fields-list")
    async def fields_list() -> None:
        raise HTTPException(
            422, detail={"error": "missing_fields", "message": "Thiếu trường.", "fields": ["cccd"]}
        )

    @router.post("/fields-dict")
    async def fields_dict() -> None:
        detail = {"error": "invalid", "message": "Sai.", "fields": {"phone": "Số điện thoại không hợp lệ."}}
        raise HTTPException(422, detail=detail)

    @router.get("/busy")
    async def busy() -> None:
        detail = {"error": "too_busy", "message": "Hệ thống đang bận.", "retry_after_s": 3}
        raise HTTPException(429, detail=detail, headers={"Retry-After": "3"})

    @router.get("/plain")
    async def plain() -> None:
        raise HTTPException(403, "not yours")

    @router.get("/bug")
    async def bug() -> None:
        raise RuntimeError("secret internals")

    app.include_router(router, responses=PROBLEM_RESPONSES)
    return app


async def _call(method: str, path: str, **kw: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return await http.request(method, path, **kw)  # type: ignore[arg-type]


async def test_a_service_error_is_a_problem() -> None:
    r = await _call("GET", "/dossiers/HS-1")
    assert r.status_code == 404 and r.headers["content-type"] == MEDIA_TYPE
    assert r.json() == {
        "type": f"{TYPE_PREFIX}not_found",
        "title": "Không tìm thấy",
        "status": 404,
        "detail": "Không tìm thấy hồ sơ HS-1.",
        "code": "not_found",
    }


async def test_field_errors_have_one_shape_whatever_the_service_sent() -> None:
    listed = (await _call("POST", "/fields-list")).json()
    mapped = (await _call("POST", "/fields-dict")).json()
    assert listed["errors"] == [{"field": "cccd", "message": "Giá trị không hợp lệ."}]
    assert mapped["errors"] == [{"field": "phone", "message": "Số điện thoại không hợp lệ."}]
    validation = (await _call("POST", "/items", json={"phone": "0912"})).json()
    assert validation["code"] == "invalid_fields" and validation["status"] == 422
    assert validation["errors"] == [{"field": "amount", "message": "bắt buộc"}]
    assert validation["detail"] == "Dữ liệu không hợp lệ — amount: bắt buộc."


async def test_extensions_and_headers_are_kept() -> None:
    r = await _call("GET", "/busy")
    assert r.status_code == 429 and r.headers["retry-after"] == "3"
    assert r.json()["retry_after_s"] == 3 and r.json()["title"] == "Quá nhiều yêu cầu"


async def test_plain_errors_unknown_routes_limits_and_bugs_are_problems_too() -> None:
    plain = await _call("GET", "/plain")
    assert plain.json()["code"] == "forbidden" and plain.json()["detail"] == "not yours"
    unknown = await _call("GET", "/nowhere")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    too_big = await _call("POST", "/items", content=b"x" * 2000, headers={"content-type": "application/json"})
    assert too_big.status_code == 413 and too_big.json()["code"] == "body_too_large"
    assert too_big.headers["content-type"] == MEDIA_TYPE
    bug = await _call("GET", "/bug")
    assert bug.status_code == 500 and bug.json()["code"] == "internal_error"
    assert "secret" not in bug.text


def test_openapi_declares_problems_instead_of_fastapis_validation_list() -> None:
    spec = _app().openapi()
    responses = spec["paths"]["/items"]["post"]["responses"]
    assert responses["422"]["content"][MEDIA_TYPE]["schema"]["$ref"] == "#/components/schemas/Problem"
    assert "HTTPValidationError" not in spec["components"]["schemas"]
