"""GET /v1/sms on PostgreSQL is paged by key (every SMS ever sent: dvckit.paging.cursor_paged): following
``next`` walks each message once, newest first, messages sent meanwhile neither repeat nor shift a page, and
messages made at the same instant are ordered by id."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from dvc_contracts import clock
from dvc_notify.adapters.orm import messages

from .test_send_api_on_postgres import Api, api, app_on_pg  # noqa: F401  (its fixtures: the app on PostgreSQL)


async def walk(client: Api, url: str) -> tuple[list[str], int]:
    seen: list[str] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        r = await client.http.get(next_url, headers=client.operator)
        assert r.status_code == 200, r.text
        assert (r.json()["offset"], r.json()["total"]) == (0, None)
        seen += [m["id"] for m in r.json()["items"]]
        next_url, pages = r.json()["next"], pages + 1
    return seen, pages


async def test_the_sms_list_pages_by_key_while_messages_keep_coming(api: Api) -> None:  # noqa: F811
    key = await api.key("dvc-portal")
    for i in range(7):
        assert (await api.send(key, f"ref-{i}")).status_code == 201
    same = clock.now() - timedelta(minutes=5)  # three made at one instant: the id orders them
    async with api.uow() as uow:
        ids = [r.id for r in (await uow.messages.search(dossier_code=None, status=None, limit=10))]
        await uow.session.execute(update(messages).where(messages.c.id.in_(ids[-3:])).values(created_at=same))
        await uow.commit()
    expected = ids[:4] + sorted(ids[-3:])

    first = (await api.http.get("/v1/sms?limit=3", headers=api.operator)).json()
    assert [m["id"] for m in first["items"]] == expected[:3]
    assert first["next"].startswith("/v1/sms?limit=3&cursor=")
    assert (await api.send(key, "ref-late")).status_code == 201  # newer than the first page: not in the walk
    seen, pages = await walk(api, first["next"])
    assert [m["id"] for m in first["items"]] + seen == expected and pages == 2

    bad = await api.http.get("/v1/sms?cursor=WyIyMDI2LTEyLTA1VDA5OjAwOjAwIiwiYSJd", headers=api.operator)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor", "a time without its offset"
    old = await api.http.get("/v1/sms?limit=2&offset=2", headers=api.operator)
    assert [m["id"] for m in old.json()["items"]] == expected[1:3], "offsets are still served (newest first)"
