"""Accounts (sign-ins at the portal and the dashboard). Keyed by the pseudonymous account id. No personal data:
the id is an HMAC of the provider's subject with a per-deployment key (dvckit.accounts), never a personal id,
a name or a phone; it cannot be turned back into the person without that key and the provider's records."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field

from dvc_contracts import topics
from dvc_contracts.events.base import EventPayload

AccountId = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{32}$",
        description="pseudonymous account id: 128 bits of HMAC-SHA-256(per-deployment key, issuer + subject), hex",
    ),
]
AccountRole = Literal["citizen", "operator", "agency"]
SignInChannel = Literal["portal", "dashboard"]
AssuranceLevel = Annotated[
    int, Field(ge=1, le=3, description="level of assurance of the account (1 basic, 2 high)")
]


class AccountRegisteredV1(EventPayload):
    """An account signed in for the first time: the first sign-in of its pseudonymous id that the channel's
    service has seen. Emitted once per id and channel service (consumers count an id once whatever the
    channel)."""

    ce_type: ClassVar[str] = topics.ACCOUNT_REGISTERED

    account_id: AccountId
    role: AccountRole
    channel: SignInChannel
    assurance_level: AssuranceLevel | None = None
    registered_at: AwareDatetime


class AccountSignedInV1(EventPayload):
    """An account signed in (every sign-in), on the citizens' portal or the operators' dashboard."""

    ce_type: ClassVar[str] = topics.ACCOUNT_SIGNED_IN

    account_id: AccountId
    role: AccountRole
    channel: SignInChannel
    assurance_level: AssuranceLevel | None = None
    method: Literal["oidc", "dev"] = Field(
        default="oidc",
        description="oidc: at the OpenID Provider; dev: a development sign-in (never in production)",
    )
    signed_in_at: AwareDatetime
