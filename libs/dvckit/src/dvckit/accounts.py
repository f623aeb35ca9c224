"""Accounts in the figures: a sign-in becomes ``account-signed-in`` (every time) and ``account-registered`` (the
first time its account is seen), published through the service's outbox in one transaction with the row that
remembers the account. Used by the citizens' portal and the operators' dashboard (reporting).

No personal data leaves: the account is named by a **pseudonymous id**, the first 128 bits of
HMAC-SHA-256(key, issuer + NUL + subject) in hex. The key is per deployment (``ACCOUNTS_PSEUDONYM_KEY``; the same
for every service of a deployment, so one person has one id in every channel; production refuses the
development value). Without the key the id cannot be linked to a subject, and the subject is the provider's own
(opaque at Keycloak; never the personal id, a name or a phone in the events)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Column, MetaData, String, Table

from dvc_contracts import topics
from dvc_contracts.events import AccountRegisteredV1, AccountSignedInV1
from dvckit.bulk import insert_rows
from dvckit.db import UtcDateTime
from dvckit.production import secret_problems
from dvckit.uow import UnitOfWork

Channel = Literal["portal", "dashboard"]
Role = Literal["citizen", "operator", "agency"]
Method = Literal["oidc", "dev"]

DEV_KEY = "dev-only-account-pseudonym-key-not-for-production"


class AccountSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACCOUNTS_", extra="ignore")

    # one per deployment, shared by every service that publishes sign-ins (at least 32 characters)
    pseudonym_key: SecretStr = SecretStr(DEV_KEY)

    def production_problems(self) -> list[str]:
        problems = secret_problems(self, "ACCOUNTS_", ["pseudonym_key"])
        if not problems and len(self.pseudonym_key.get_secret_value()) < 32:
            problems.append("ACCOUNTS_PSEUDONYM_KEY is shorter than 32 characters")
        return problems


def pseudonymous_id(key: str, issuer: str, sub: str) -> str:
    """The account's id in events and figures: 32 hex characters, stable for one (issuer, subject) and key."""
    mac = hmac.new(key.encode(), f"{issuer}\x00{sub}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def known_accounts_table(metadata: MetaData) -> Table:
    """The publisher's memory of the accounts it has announced (account-registered once per id)."""
    return Table(
        "known_accounts",
        metadata,
        Column("account_id", String(32), primary_key=True),
        Column("first_seen_at", UtcDateTime, nullable=False),
    )


async def record_sign_in(
    uow: UnitOfWork,
    known: Table,
    *,
    account_id: str,
    role: Role,
    channel: Channel,
    at: datetime,
    assurance_level: int | None = None,
    method: Method = "oidc",
) -> bool:
    """Write ``account-signed-in`` (and ``account-registered`` when ``account_id`` is new here) to the outbox, in
    ``uow``'s transaction (the caller commits). Returns True for a new account."""
    loa = assurance_level if assurance_level in (1, 2, 3) else None
    new = await insert_rows(
        uow.session,
        known,
        [{"account_id": account_id, "first_seen_at": at}],
        conflict=["account_id"],
        returning="account_id",
    )
    if new:
        registered = AccountRegisteredV1(
            account_id=account_id, role=role, channel=channel, assurance_level=loa, registered_at=at
        )
        await uow.publish(topics.ACCOUNT_REGISTERED, registered, key=account_id)
    signed_in = AccountSignedInV1(
        account_id=account_id, role=role, channel=channel, assurance_level=loa, method=method, signed_in_at=at
    )
    await uow.publish(topics.ACCOUNT_SIGNED_IN, signed_in, key=account_id)
    return bool(new)
