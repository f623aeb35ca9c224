"""An operator's sign-in to the dashboard, published through reporting's own outbox (dvckit.accounts): the
account's pseudonymous id, the channel and the level of assurance; reporting reads it back from the topic like
the portal's, so both channels' sign-ins reach the figures the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dvc_reporting.adapters import orm
from dvc_reporting.config import Settings
from dvckit.accounts import Method, pseudonymous_id, record_sign_in
from dvckit.auth.jwt import Principal
from dvckit.runtime import Runtime


async def note_sign_in(
    runtime: Runtime[Any], settings: Settings, who: Principal, *, issuer: str, method: Method, at: datetime
) -> bool:
    """account-signed-in (and account-registered the first time); True for an account new here."""
    account = pseudonymous_id(settings.accounts.pseudonym_key.get_secret_value(), issuer, who.sub)
    async with runtime.uow() as uow:
        new = await record_sign_in(
            uow,
            orm.known_accounts,
            account_id=account,
            role="operator",
            channel="dashboard",
            at=at,
            assurance_level=who.loa,
            method=method,
        )
        await uow.commit()
    return new
