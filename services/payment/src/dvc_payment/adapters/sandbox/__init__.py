"""Local sandboxes of the three providers, mounted under /sandbox/<provider>/ when settings.sandbox_enabled."""

from __future__ import annotations

from fastapi import APIRouter

from dvc_payment.adapters.sandbox import momo, paygov, vnpay
from dvc_payment.adapters.sandbox.core import SandboxCore
from dvckit.app import provider_protocol


def build_sandbox_router(core: SandboxCore) -> APIRouter:
    router = provider_protocol(APIRouter())
    for module in (vnpay, momo, paygov):
        router.include_router(module.build_router(core))
    return router


__all__ = ["SandboxCore", "build_sandbox_router"]
