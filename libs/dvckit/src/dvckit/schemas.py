"""Bases of the response models every route declares, so its OpenAPI document says what it answers.

A route keeps building its answer as it did (a dict from a row) and names the model as its ``response_model``
(or returns ``Model.model_validate(...)``); the model checks the answer and documents it:

    class ProcedureOut(Out):
        code: str
        published_at: datetime | None        # no default: always sent, may be null

    @router.get("/procedures/{code}", response_model=ProcedureOut)
    async def get_procedure(...) -> dict[str, Any]: ...

- :class:`Out` forbids members it does not declare: a member added to an answer but not to its model fails the
  route's tests (a 500) instead of vanishing silently from what clients receive.
- :class:`Sparse` leaves out of the answer every declared member the route did not set, for answers whose
  members depend on the caller (staff see more than the citizen) or on the row (a group's key): give those
  members a default and say in their description when they are present.
- :class:`Open` also passes members it does not declare through unchanged (an answer others are extending).

:func:`links` declares which operations an answer leads to (OpenAPI links).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer


class Out(BaseModel):
    """A response model: every member declared (an undeclared one is refused, never dropped)."""

    model_config = ConfigDict(extra="forbid")


class Sparse(Out):
    """A response model whose members with defaults are sent only when the route set them."""

    # no return annotation: pydantic would document the answer as that type instead of this model's members
    @model_serializer(mode="wrap")
    def _only_set(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data = handler(self)
        fields = type(self).model_fields
        return {k: v for k, v in data.items() if k in self.model_fields_set or k not in fields}


class Open(Sparse):
    """A response model that passes members it does not declare through unchanged (documented as
    ``additionalProperties``)."""

    model_config = ConfigDict(extra="allow")


def links(status: int, **targets: tuple[str, str, dict[str, str]]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI links from a route's ``status`` answer to the operations its answer opens (schemathesis follows
    them in its stateful phase; integrators read what to call next). Each target: ``(method, path, parameters)``
    with the versioned path and the parameters taken from the answer, e.g.

        responses=links(201, GetDossier=("get", "/v1/dossiers/{code}", {"path.code": "$response.body#/code"}))
    """
    out = {}
    for name, (method, path, parameters) in targets.items():
        pointer = path.replace("~", "~0").replace("/", "~1")
        out[name] = {"operationRef": f"#/paths/{pointer}/{method}", "parameters": parameters}
    return {status: {"links": out}}
