"""Shared by the operator routers (``http``, ``optouts_http``, ``providers_http``): role, unit of work."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.auth.fastapi import require_role
from dvckit.auth.jwt import Principal

Operator = Annotated[Principal, Depends(require_role("operator"))]


def uow_of(request: Request) -> NotifyUnitOfWork:
    uow: NotifyUnitOfWork = request.app.state.runtime.uow()
    return uow
