"""``GET /api/accounts``: the accounts figures of the seeds (accounts total, active per day, sign-ins per
channel), from account-registered / account-signed-in. National figures, for every operator: the events carry
a pseudonymous id only, no province, nothing about the person."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from dvc_contracts.clock import vn_today
from dvc_reporting.adapters.accounts import account_figures
from dvc_reporting.entrypoints.auth import Operator
from dvc_reporting.entrypoints.context import ReportingContext, ctx

router = APIRouter(prefix="/api")
Ctx = Annotated[ReportingContext, Depends(ctx)]


class AccountDay(BaseModel):
    day: date = Field(description="a day in Viet Nam (Asia/Ho_Chi_Minh)")
    active_accounts: int = Field(description="distinct accounts that signed in that day")
    sign_ins: int
    sign_ins_by_channel: dict[str, int] = Field(description="portal | dashboard → sign-ins that day")


class AccountFigures(BaseModel):
    """Accounts in the figures (names pinned: other government systems read them)."""

    today: date = Field(description="today in Viet Nam")
    accounts_total: int = Field(description="accounts that have signed in at least once (pseudonymous ids)")
    accounts_by_role: dict[str, int] = Field(description="citizen | operator → accounts")
    active_today: int = Field(description="distinct accounts signed in today (Viet Nam's day)")
    sign_ins_total: int
    sign_ins_by_channel: dict[str, int] = Field(description="portal | dashboard → sign-ins, all time")
    days: list[AccountDay] = Field(description="the last `days` days, oldest first, today last")


@router.get(
    "/accounts",
    tags=["figures"],
    summary="Accounts: total, active per day (Viet Nam's days), sign-ins per channel",
)
async def accounts(
    principal: Operator, c: Ctx, days: int = Query(30, ge=1, le=366, description="số ngày gần nhất")
) -> AccountFigures:
    async with c.runtime.engine.connect() as conn:
        return AccountFigures(**await account_figures(conn, vn_today(), days))
