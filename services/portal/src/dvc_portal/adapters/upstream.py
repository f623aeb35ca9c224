"""The other services' public HTTP APIs, and nothing else: catalog, dossier, payment, feedback, notify.

Every call carries the request's correlation id; a citizen's call carries their bearer token (from the
server-side session). An answer in the services' error format (an RFC 9457 problem: ``code``, ``detail``,
``errors``) becomes ``ServiceError``; a service that cannot be reached, times out or fails (5xx) becomes
``ServiceUnavailable``, which the pages show as "tạm thời gián đoạn" rather than a traceback. The time spent
waiting on other services is added up per request (``upstream_seconds``, for the Server-Timing header)."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from dvc_portal.config import Settings
from dvckit.logging import current_correlation_id, get_logger

log = get_logger("dvc_portal.upstream")

SERVICE_NAMES = {
    "catalog": "danh mục thủ tục",
    "dossier": "hồ sơ",
    "payment": "thanh toán",
    "feedback": "phản ánh, kiến nghị",
    "notify": "tin nhắn SMS",
}

_spent: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar("portal_upstream", default=None)


def start_timing() -> list[float]:
    """Begin adding up this request's upstream time (the middleware reads the list at the end)."""
    spent: list[float] = [0.0, 0.0]  # seconds, calls
    _spent.set(spent)
    return spent


@dataclass
class ServiceError(Exception):
    service: str
    status: int
    error: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.service} {self.status} {self.error}: {self.message}"


@dataclass
class ServiceUnavailable(Exception):
    service: str
    reason: str

    @property
    def service_name(self) -> str:
        return SERVICE_NAMES.get(self.service, self.service)

    def __str__(self) -> str:
        return f"{self.service} unavailable: {self.reason}"


def _segment(value: str, safe: str = "") -> str:
    return quote(value, safe=safe)


class Services:
    """One HTTP client per service (connection pools kept across requests); ``transports`` replaces the
    network in tests (small ASGI apps standing in for the services)."""

    def __init__(
        self, settings: Settings, transports: Mapping[str, httpx.AsyncBaseTransport] | None = None
    ) -> None:
        transports = transports or {}
        timeout = httpx.Timeout(settings.upstream_timeout_seconds, connect=2.0)
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
        self._clients = {
            name: httpx.AsyncClient(
                base_url=getattr(settings, f"{name}_url"),
                timeout=timeout,
                limits=limits,
                transport=transports.get(name),
                headers={"user-agent": "dvc-portal/0.1", "accept": "application/json"},
            )
            for name in SERVICE_NAMES
        }

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def _call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        client_ip: str | None = None,
        not_found_is_none: bool = False,
    ) -> Any:
        headers: dict[str, str] = {}
        cid = current_correlation_id()
        if cid:
            headers["x-correlation-id"] = cid
        if token:
            headers["authorization"] = f"Bearer {token}"
        if client_ip:
            headers["x-forwarded-for"] = client_ip  # the citizen, for per-client rate limits (see README)
        started = time.perf_counter()
        try:
            response = await self._clients[service].request(
                method, path, params=params, json=json, files=files, headers=headers
            )
        except httpx.HTTPError as exc:
            log.warning("portal.upstream_unreachable", service=service, path=path, error=repr(exc)[:200])
            raise ServiceUnavailable(service, exc.__class__.__name__) from exc
        finally:
            spent = _spent.get()
            if spent is not None:
                spent[0] += time.perf_counter() - started
                spent[1] += 1
        if response.status_code >= 500:
            log.warning("portal.upstream_failed", service=service, path=path, status=response.status_code)
            raise ServiceUnavailable(service, f"HTTP {response.status_code}")
        if response.status_code == 404 and not_found_is_none:
            return None
        if response.status_code >= 400:
            raise _error(service, response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ServiceUnavailable(service, "not JSON") from exc

    # --- catalog ------------------------------------------------------------------------------------------
    async def search_procedures(self, q: str | None, *, limit: int = 20, offset: int = 0) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if q:
            params["q"] = q
        result: dict[str, Any] = await self._call("catalog", "GET", "/procedures", params=params)
        return result

    async def procedure(self, code: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self._call(
            "catalog", "GET", f"/procedures/{_segment(code)}", not_found_is_none=True
        )
        return result

    # --- dossier ------------------------------------------------------------------------------------------
    async def submit_dossier(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("dossier", "POST", "/dossiers", token=token, json=body)
        return result

    async def upload_document(self, token: str, filename: str, data: bytes) -> dict[str, Any]:
        """One file to the dossier service, which judges it by its bytes (PDF, JPEG, PNG) and keeps it."""
        files = {"file": (filename, data, "application/octet-stream")}
        result: dict[str, Any] = await self._call("dossier", "POST", "/documents", token=token, files=files)
        return result

    async def dossier_documents(self, token: str, code: str) -> list[dict[str, Any]]:
        result = await self._call(
            "dossier", "GET", f"/dossiers/{_segment(code)}/documents", token=token, not_found_is_none=True
        )
        return list((result or {}).get("items") or [])

    async def my_dossiers(self, token: str, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        result = await self._call(
            "dossier",
            "GET",
            "/dossiers",
            token=token,
            params={"mine": "true", "limit": limit, "offset": offset},
        )
        return list(result.get("items") or [])

    async def dossier(self, token: str, code: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self._call(
            "dossier", "GET", f"/dossiers/{_segment(code)}", token=token, not_found_is_none=True
        )
        return result

    async def track(self, code: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self._call(
            "dossier", "GET", f"/track/{_segment(code)}", not_found_is_none=True
        )
        return result

    # --- payment ------------------------------------------------------------------------------------------
    async def pay_link(self, token: str, payment_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            "payment", "GET", f"/payments/{_segment(payment_id)}/link", token=token
        )
        return result

    async def fine_lookup(
        self, record_no: str, violation_date: str, name: str, client_ip: str
    ) -> dict[str, Any] | None:
        params = {"record_no": record_no, "violation_date": violation_date, "name": name}
        result: dict[str, Any] | None = await self._call(
            "payment", "GET", "/fines/lookup", params=params, client_ip=client_ip, not_found_is_none=True
        )
        return result

    async def pay_fine(self, decision_no: str, body: dict[str, Any], client_ip: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            "payment", "POST", f"/fines/{_segment(decision_no, safe='/')}/pay", json=body, client_ip=client_ip
        )
        return result

    # --- feedback -----------------------------------------------------------------------------------------
    async def feedback_categories(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("feedback", "GET", "/feedback/categories")
        return result

    async def submit_feedback(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("feedback", "POST", "/feedback", token=token, json=body)
        return result

    async def my_feedback(self, token: str) -> list[dict[str, Any]]:
        result = await self._call("feedback", "GET", "/feedback", token=token, params={"mine": "true"})
        return list(result.get("items") or [])

    async def feedback(self, token: str, feedback_id: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self._call(
            "feedback", "GET", f"/feedback/{_segment(feedback_id)}", token=token, not_found_is_none=True
        )
        return result

    # --- notify: the citizen's own number (the token's), never one the portal names ---------------------------
    async def sms_opt_out(self, token: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("notify", "GET", "/citizen/opt-out", token=token)
        return result

    async def stop_sms(self, token: str, reason: str | None) -> dict[str, Any]:
        body = {"reason": reason} if reason else {}
        result: dict[str, Any] = await self._call("notify", "PUT", "/citizen/opt-out", token=token, json=body)
        return result

    async def dossier_sms(self, token: str, code: str) -> dict[str, Any]:
        """The SMS about one dossier sent to the citizen's own number (notify's ``/citizen/sms``)."""
        params = {"dossier_code": code}
        result: dict[str, Any] = await self._call("notify", "GET", "/citizen/sms", token=token, params=params)
        return result

    async def restart_sms(self, token: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("notify", "DELETE", "/citizen/opt-out", token=token)
        return result


def _error(service: str, response: httpx.Response) -> ServiceError:
    """A service's RFC 9457 problem (dvckit.problems) as a ServiceError: ``detail`` keeps the code, the message,
    the names of the fields in error (``fields``) and their messages (``errors``)."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if isinstance(body, dict) and "code" in body and "status" in body:
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        code, message = str(body["code"]), str(body.get("detail") or "Yêu cầu không được chấp nhận.")
        fields = [str(e.get("field", "")) for e in errors]
        detail = {"error": code, "message": message, "fields": fields, "errors": errors}
        return ServiceError(service, response.status_code, code, message, detail)
    return ServiceError(service, response.status_code, "error", "Yêu cầu không được chấp nhận.", {})
