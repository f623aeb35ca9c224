"""``UnitOfWork.after_commit``: work that must follow a commit (metrics, waking waiters, live pages) runs once
the transaction has committed, in order, and never after a rollback."""

from __future__ import annotations

from dvckit.testing import PostgresServer, messaging_store
from dvckit.uow import UnitOfWork


async def test_hooks_run_after_the_commit_in_order_and_never_after_a_rollback(pg: PostgresServer) -> None:
    ran: list[str] = []
    async with messaging_store(pg, "dvct_kit_after_commit") as (sessions, tables):
        async with UnitOfWork(sessions, tables, service="kit") as uow:
            uow.after_commit(lambda: ran.append("first"))
            uow.after_commit(lambda: ran.append("second"))
            assert ran == [], "nothing before the commit"
            await uow.commit()
            assert ran == ["first", "second"]
            uow.after_commit(lambda: ran.append("rolled back"))
            await uow.rollback()
            await uow.commit()  # a later commit of the same unit of work does not run a dropped hook
        async with UnitOfWork(sessions, tables, service="kit") as uow:
            uow.after_commit(lambda: ran.append("never committed"))  # leaves without a commit
        async with UnitOfWork(sessions, tables, service="kit") as uow:
            await uow.commit()
    assert ran == ["first", "second"]
