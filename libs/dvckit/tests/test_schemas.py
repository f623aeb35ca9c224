"""dvckit.schemas: a response model documents the answer and never changes it silently."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import Field

from dvckit.schemas import Open, Out, Sparse


class Item(Out):
    code: str
    at: datetime
    note: str | None


class Staffed(Sparse):
    code: str
    submitter: str | None = Field(default=None, description="staff only")


class Extended(Open):
    code: str


def _client() -> TestClient:
    app = FastAPI()
    at = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)

    @app.get("/item", response_model=Item)
    async def item() -> Any:
        return {"code": "A", "at": at, "note": None}

    @app.get("/undeclared", response_model=Item)
    async def undeclared() -> Any:
        return {"code": "A", "at": at, "note": None, "secret": "x"}

    @app.get("/citizen", response_model=Staffed)
    async def citizen() -> Any:
        return {"code": "A"}

    @app.get("/staff", response_model=Staffed)
    async def staff() -> Any:
        return Staffed.model_validate({"code": "A", "submitter": None})

    @app.get("/open", response_model=Extended)
    async def extended() -> Any:
        return {"code": "A", "documents": [{"id": 1}]}

    return TestClient(app, raise_server_exceptions=False)


def test_declared_members_pass_unchanged_and_nulls_stay() -> None:
    assert _client().get("/item").json() == {"code": "A", "at": "2026-12-05T09:00:00Z", "note": None}


def test_an_undeclared_member_fails_loudly_instead_of_vanishing() -> None:
    assert _client().get("/undeclared").status_code == 500


def test_sparse_sends_only_what_the_route_set() -> None:
    client = _client()
    assert client.get("/citizen").json() == {"code": "A"}
    assert client.get("/staff").json() == {"code": "A", "submitter": None}


def test_open_passes_members_it_does_not_declare() -> None:
    assert _client().get("/open").json() == {"code": "A", "documents": [{"id": 1}]}


def test_the_documents_describe_the_members() -> None:
    app = FastAPI()

    @app.get("/staff", response_model=Staffed)
    async def staff() -> Any:
        return {"code": "A"}

    schema = app.openapi()["components"]["schemas"]["Staffed"]
    assert set(schema["properties"]) == {"code", "submitter"}
    assert schema["required"] == ["code"]
    assert schema["additionalProperties"] is False
    assert Extended.model_json_schema(mode="serialization")["additionalProperties"] is True
