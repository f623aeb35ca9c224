"""A stand-in for notify's citizen API (``/citizen/opt-out``, ``/citizen/sms``): the number is the bearer token's ``phone``,
verified with the test key set as notify does, answered masked; errors in the services' problem format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import Body, FastAPI, HTTPException, Request

from dvc_contracts.phone import InvalidPhone, mask, normalise
from dvckit.auth.jwt import TokenError, TokenVerifier
from dvckit.problems import install_problem_handlers


@dataclass
class SmsOptOuts:
    verifier: TokenVerifier
    stopped: dict[str, dict[str, Any]] = field(default_factory=dict)  # E.164 -> row
    sent: list[dict[str, Any]] = field(
        default_factory=list
    )  # phone (E.164), dossier_code, text, status, created_at
    calls: list[str] = field(default_factory=list)

    def number(self, request: Request) -> str:
        try:
            who = self.verifier.verify(request.headers.get("authorization", "").partition(" ")[2])
        except TokenError as exc:
            raise HTTPException(401, {"error": "unauthenticated", "message": "Cần đăng nhập."}) from exc
        if not who.phone:
            message = "Tài khoản của bạn chưa có số điện thoại di động nên không nhận tin nhắn SMS."
            raise HTTPException(422, {"error": "no_phone", "message": message})
        try:
            return normalise(who.phone)
        except InvalidPhone as exc:
            raise HTTPException(422, {"error": "invalid_phone", "message": exc.message_vi}) from exc

    def state(self, e164: str) -> dict[str, Any]:
        row = self.stopped.get(e164)
        return {
            "phone": mask(e164),
            "opted_out": row is not None,
            "since": row["since"] if row else None,
            "source": row["source"] if row else None,
        }


def notify_app(store: SmsOptOuts) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/citizen/opt-out")
    async def mine(request: Request) -> dict[str, Any]:
        store.calls.append("get")
        return store.state(store.number(request))

    @app.get("/citizen/sms")
    async def sms(request: Request, dossier_code: str) -> dict[str, Any]:
        e164 = store.number(request)
        store.calls.append(f"sms:{dossier_code}")
        mine = [m for m in store.sent if m["phone"] == e164 and m["dossier_code"] == dossier_code]
        items = sorted(mine, key=lambda m: m["created_at"], reverse=True)
        return {"phone": mask(e164), "items": [{k: v for k, v in m.items() if k != "phone"} for m in items]}

    @app.put("/citizen/opt-out")
    async def stop(request: Request, body: dict[str, Any] = Body(default_factory=dict)) -> dict[str, Any]:
        e164 = store.number(request)
        store.calls.append(f"stop:{body.get('reason')}")
        store.stopped.setdefault(e164, {"since": datetime.now(UTC).isoformat(), "source": "citizen"})
        return store.state(e164)

    @app.delete("/citizen/opt-out")
    async def restart(request: Request) -> dict[str, Any]:
        e164 = store.number(request)
        store.calls.append("restart")
        store.stopped.pop(e164, None)
        return store.state(e164)

    return app
