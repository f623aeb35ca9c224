"""Accounts in the figures, folded from ``account-registered`` and ``account-signed-in`` (pure functions).

- **An account** is one pseudonymous id (the events carry nothing else about the person). It is counted from
  either event, whichever arrives first: the row keeps the earliest time it was seen (and that event's role),
  the registration time and the latest sign-in. Order does not matter: every field is a min or a max.
- **Active on a day**: the distinct ids that signed in on that day in Viet Nam (Asia/Ho_Chi_Minh, UTC+7): one
  row per (day, id), a repeat or a second sign-in that day adds nothing.
- **Sign-ins per channel**: every sign-in once (the kit's inbox drops a repeated event) per Vietnamese day,
  channel (portal | dashboard), role and level of assurance (0: not stated).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from dvc_contracts.clock import VN_TZ
from dvc_contracts.events import AccountRegisteredV1, AccountSignedInV1

AccountEvent = AccountRegisteredV1 | AccountSignedInV1
CHANNELS = ("portal", "dashboard")
CHANNEL_NAMES = {"portal": "Cổng công dân", "dashboard": "Bảng điều khiển"}


def vn_day(at: datetime) -> date:
    """The day in Viet Nam of an instant (17:00 UTC is already the next day there)."""
    return at.astimezone(VN_TZ).date()


@dataclass(frozen=True)
class AccountState:
    account_id: str
    role: str | None = None
    registered_at: datetime | None = None
    first_seen_at: datetime | None = None
    last_signed_in_at: datetime | None = None


def _at(d: AccountEvent) -> datetime:
    return d.registered_at if isinstance(d, AccountRegisteredV1) else d.signed_in_at


def _earlier(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b < a else a


def fold_account(state: AccountState, d: AccountEvent) -> AccountState:
    """The account after one more event about it; the same row for any order of the same events."""
    at = _at(d)
    first = _earlier(state.first_seen_at, at)
    role = state.role
    if state.first_seen_at is None or at < state.first_seen_at:
        role = d.role
    elif at == state.first_seen_at and role is not None:
        role = min(role, d.role)  # two events at the same instant: one answer whatever their order
    new = replace(state, role=role, first_seen_at=first)
    if isinstance(d, AccountRegisteredV1):
        return replace(new, registered_at=_earlier(state.registered_at, at))
    last = state.last_signed_in_at
    return replace(new, last_signed_in_at=at if last is None or at > last else last)


def active_day_row(d: AccountSignedInV1) -> dict[str, Any]:
    """The (day, account) row that makes the account active on the Vietnamese day of this sign-in."""
    return {"day": vn_day(d.signed_in_at), "account_id": d.account_id, "role": d.role}


def sign_in_key(d: AccountSignedInV1) -> tuple[date, str, str, int]:
    """The sign-in counter this sign-in adds one to: (day in Viet Nam, channel, role, assurance level or 0)."""
    return vn_day(d.signed_in_at), d.channel, d.role, d.assurance_level or 0


def sign_in_rows(events: list[AccountSignedInV1]) -> list[dict[str, Any]]:
    """The counters' increments of a batch of sign-ins (one row per key, summed)."""
    counts: dict[tuple[date, str, str, int], int] = {}
    for d in events:
        key = sign_in_key(d)
        counts[key] = counts.get(key, 0) + 1
    return [
        {"day": day, "channel": channel, "role": role, "assurance_level": loa, "sign_ins": n}
        for (day, channel, role, loa), n in sorted(counts.items())
    ]
