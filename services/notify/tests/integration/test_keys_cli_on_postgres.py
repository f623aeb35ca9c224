"""The keys CLI on the real PostgreSQL: a key it prints authenticates; revoked, it is refused."""

from __future__ import annotations

import pytest

from dvc_notify.adapters.orm import messaging
from dvc_notify.keys_cli import run
from dvc_notify.service.api import InvalidApiKey, authenticate
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.db import make_engine, make_sessionmaker
from dvckit.testing import PostgresServer, migrated_database

pytestmark = pytest.mark.integration


async def test_create_list_revoke(pg: PostgresServer, capsys: pytest.CaptureFixture[str]) -> None:
    url = await migrated_database(pg, "dvc_notify")
    assert (
        await run(["--url", url, "create", "--service", "payment", "--name", "Hoàn phí", "--type", "live"])
        == 0
    )
    key = capsys.readouterr().out.strip().splitlines()[-1]  # (python -m …: log lines go to stderr)
    assert key.startswith("hoan_phi-payment-")
    engine = make_engine(url)
    try:
        async with NotifyUnitOfWork(make_sessionmaker(engine), messaging, service="notify") as uow:
            found = await authenticate(uow, key)
        assert (found.service, found.key_type, found.name) == ("payment", "live", "Hoàn phí")

        assert await run(["--url", url, "list", "--service", "payment"]) == 0
        assert capsys.readouterr().out.splitlines()[-1].split()[:3] == [found.id, "payment", "live"]
        assert await run(["--url", url, "revoke", found.id]) == 0
        assert await run(["--url", url, "revoke", "no-such-key"]) == 1
        async with NotifyUnitOfWork(make_sessionmaker(engine), messaging, service="notify") as uow:
            with pytest.raises(InvalidApiKey) as refused:
                await authenticate(uow, key)
        assert refused.value.code == "api_key_revoked"
        assert await run(["--url", url, "create", "--service", "Bad Service", "--name", "x"]) == 2
    finally:
        await engine.dispose()
