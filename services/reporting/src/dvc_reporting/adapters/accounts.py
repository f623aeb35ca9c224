"""Reads of the accounts read model (domain/accounts.py): totals, active accounts per Vietnamese day, sign-ins
per channel. National figures: the events name no province (a citizen's account has none)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dvc_reporting.adapters import orm
from dvc_reporting.domain.accounts import CHANNELS


async def account_figures(conn: AsyncConnection, today: date, days: int = 30) -> dict[str, Any]:
    """The account figures as of ``today`` (Viet Nam's), with the last ``days`` days (today included)."""
    a, d, s = orm.accounts, orm.account_days, orm.account_sign_ins
    first = today - timedelta(days=days - 1)
    by_role = {
        str(role or "unknown"): int(n)
        for role, n in (await conn.execute(select(a.c.role, func.count()).group_by(a.c.role))).all()
    }
    active: dict[date, int] = dict(
        (
            await conn.execute(
                select(d.c.day, func.count()).where(d.c.day >= first, d.c.day <= today).group_by(d.c.day)
            )
        ).all()
    )
    per_channel: dict[str, int] = dict(
        (await conn.execute(select(s.c.channel, func.sum(s.c.sign_ins)).group_by(s.c.channel))).all()
    )
    recent = (
        await conn.execute(
            select(s.c.day, s.c.channel, func.sum(s.c.sign_ins))
            .where(s.c.day >= first, s.c.day <= today)
            .group_by(s.c.day, s.c.channel)
        )
    ).all()
    by_day: dict[date, dict[str, int]] = {}
    for day, channel, n in recent:
        by_day.setdefault(day, {})[channel] = int(n)
    per_day = []
    for i in range(days):
        day = first + timedelta(days=i)
        counts = by_day.get(day, {})
        per_day.append(
            {
                "day": day,
                "active_accounts": int(active.get(day, 0)),
                "sign_ins": sum(counts.values()),
                "sign_ins_by_channel": {c: counts.get(c, 0) for c in CHANNELS},
            }
        )
    return {
        "today": today,
        "accounts_total": sum(by_role.values()),
        "accounts_by_role": by_role,
        "active_today": int(active.get(today, 0)),
        "sign_ins_total": sum(int(n) for n in per_channel.values()),
        "sign_ins_by_channel": {c: int(per_channel.get(c, 0) or 0) for c in CHANNELS},
        "days": per_day,
    }
