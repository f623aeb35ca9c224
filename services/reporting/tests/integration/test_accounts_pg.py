"""Accounts in the figures on the real broker and PostgreSQL: account events folded into the read model
(repeats and a registration read after its sign-ins change nothing), active accounts per Vietnamese day, sign-ins
per channel in ``GET /api/accounts``; and a sign-in to the dashboard itself going out through reporting's outbox
and coming back from the topic into the figures. The clock is pinned just after midnight in Viet Nam."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from dvc_contracts import clock
from dvc_contracts.events import AccountRegisteredV1, AccountSignedInV1
from dvckit.accounts import pseudonymous_id
from dvckit.testing import eventually

from ..conftest import Emitter
from .conftest import Reporting

pytestmark = pytest.mark.integration

# 2031-03-05 00:20 in Viet Nam (17:20 UTC the day before): days no other test's events fall on
NOW = datetime(2031, 3, 4, 17, 20, tzinfo=UTC)
TODAY, YESTERDAY = date(2031, 3, 5), date(2031, 3, 4)


def account() -> str:
    return secrets.token_hex(16)


async def figures(rep: Reporting, token: str, days: int = 3) -> dict[str, Any]:
    r = await rep.get("/api/accounts", token, days=days)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def day(body: dict[str, Any], d: date) -> dict[str, Any]:
    found: dict[str, Any] = next(x for x in body["days"] if x["day"] == d.isoformat())
    return found


async def test_accounts_active_per_vietnamese_day_and_sign_ins_per_channel(
    reporting: Reporting, emitter: Emitter, make_token: Callable[..., str]
) -> None:
    token = make_token("operator")
    with clock.pinned(NOW):
        before = await figures(reporting, token)
        a, b, c = account(), account(), account()
        late_evening = NOW - timedelta(minutes=30)  # 23:50 on the 4th in Viet Nam
        sent = [
            AccountSignedInV1(account_id=a, role="citizen", channel="portal", assurance_level=2, signed_in_at=late_evening),
            AccountSignedInV1(account_id=a, role="citizen", channel="portal", assurance_level=2, signed_in_at=NOW),
            AccountSignedInV1(account_id=a, role="citizen", channel="portal", assurance_level=2,
                              signed_in_at=NOW + timedelta(minutes=5)),
            AccountSignedInV1(account_id=b, role="citizen", channel="portal", assurance_level=1, signed_in_at=NOW),
            AccountSignedInV1(account_id=c, role="operator", channel="dashboard", signed_in_at=NOW),
            # registrations, c's after its sign-in (another topic: any order)
            AccountRegisteredV1(account_id=a, role="citizen", channel="portal", registered_at=late_evening),
            AccountRegisteredV1(account_id=b, role="citizen", channel="portal", registered_at=NOW),
            AccountRegisteredV1(account_id=c, role="operator", channel="dashboard", registered_at=NOW),
        ]  # fmt: skip
        events = [await emitter.send(payload) for payload in sent]
        await emitter.send_event("account-signed-in", events[1])  # the same event again (same id): a no-op
        await emitter.flush()

        # The days of 2031 are this test's alone; the totals are not (other tests' account events may still be
        # arriving on the shared broker), so they are checked as "at least what this test added".
        async def arrived() -> bool:
            now = await figures(reporting, token)
            return bool(day(now, TODAY)["active_accounts"] == 3 and day(now, TODAY)["sign_ins"] == 4)

        await eventually(arrived, timeout=180)  # behind what the session put on the broker before
        after = await figures(reporting, token)
    assert after["today"] == TODAY.isoformat() and after["active_today"] == 3
    assert day(after, TODAY) == {
        "day": TODAY.isoformat(),
        "active_accounts": 3,  # a (twice), b, c: distinct ids
        "sign_ins": 4,
        "sign_ins_by_channel": {"portal": 3, "dashboard": 1},
    }
    assert day(after, YESTERDAY)["active_accounts"] == 1 and day(after, YESTERDAY)["sign_ins"] == 1
    assert after["accounts_total"] - before["accounts_total"] >= 3
    assert after["accounts_by_role"]["citizen"] - before["accounts_by_role"].get("citizen", 0) >= 2
    grew = {
        k: after["sign_ins_by_channel"][k] - before["sign_ins_by_channel"][k] for k in ("portal", "dashboard")
    }
    assert grew["portal"] >= 4 and grew["dashboard"] >= 1
    assert [d["day"] for d in after["days"]] == ["2031-03-03", "2031-03-04", "2031-03-05"]


async def test_a_dashboard_sign_in_reaches_the_figures_through_the_outbox(
    reporting: Reporting, make_token: Callable[..., str]
) -> None:
    """POST /api/session (the development sign-in of the dashboard) → outbox → relay → account-signed-in on
    the broker → reporting's consumer → the figures, with the operator's pseudonymous id."""
    national = make_token("operator")
    sub = f"op-{uuid.uuid4().hex[:8]}"
    with clock.pinned(NOW + timedelta(hours=1)):
        before = await figures(reporting, national)
        r = await reporting.client.post("/api/session", json={"token": make_token("operator", sub=sub)})
        assert r.status_code == 200, r.text

        async def counted() -> bool:  # the pinned day is this module's alone
            now = await figures(reporting, national)
            dashboard = day(now, TODAY)["sign_ins_by_channel"]["dashboard"]
            return bool(dashboard > day(before, TODAY)["sign_ins_by_channel"]["dashboard"])

        await eventually(counted, timeout=180)
        after = await figures(reporting, national)
    assert after["accounts_by_role"].get("operator", 0) >= before["accounts_by_role"].get("operator", 0) + 1
    assert (
        day(after, TODAY)["sign_ins_by_channel"]["dashboard"]
        == day(before, TODAY)["sign_ins_by_channel"]["dashboard"] + 1
    )
    # the id is the HMAC of issuer and subject: the subject itself is nowhere in the read model
    key = reporting.settings.accounts.pseudonym_key.get_secret_value()
    assert len(pseudonymous_id(key, reporting.settings.auth.issuer, sub)) == 32
