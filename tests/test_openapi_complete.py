"""Every service's OpenAPI document says what each route answers (issue 15): a success (2xx) of a route in the
document has a schema — not ``{}``, not a bare ``object`` without members, not a page whose items are such an
object. Routes that speak a payment or SMS provider's protocol (``x-dvc-provider-protocol``) are passed by:
they answer in that provider's format. A route answering 204 has no body to describe."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

import pytest

from dvckit.app import PROVIDER_EXTENSION

SERVICES = ("catalog", "dossier", "payment", "feedback", "notify", "reporting")
METHODS = ("get", "post", "put", "patch", "delete")
DOCS = frozenset({"title", "description", "example", "examples"})


@cache
def document(service: str) -> dict[str, Any]:
    app = importlib.import_module(f"dvc_{service}.entrypoints.app").create_app()
    spec: dict[str, Any] = app.openapi()
    return spec


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (m.upper(), path, op) for path, ops in spec["paths"].items() for m, op in ops.items() if m in METHODS
    ]


def undescribed(
    schema: dict[str, Any], spec: dict[str, Any], seen: frozenset[str] = frozenset()
) -> str | None:
    """Why ``schema`` says nothing about an answer, or None when it describes one (a page's or a table's
    ``items`` are looked into)."""
    if ref := schema.get("$ref"):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return None
        return undescribed(spec["components"]["schemas"][name], spec, seen | {name})
    if not set(schema) - DOCS:
        return "an empty schema"
    if any(k in schema for k in ("anyOf", "oneOf", "allOf")):
        return None
    if schema.get("type") == "object" and not schema.get("properties"):
        if not isinstance(schema.get("additionalProperties"), dict):
            return "an object without members"
    items = schema.get("properties", {}).get("items", {})
    if items.get("type") == "array":
        why = undescribed(items.get("items", {}), spec, seen)
        return f"items: {why}" if why else None
    return None


def gaps(service: str) -> list[str]:
    spec = document(service)
    out = []
    for method, path, op in operations(spec):
        if op.get(PROVIDER_EXTENSION):
            continue
        codes = [c for c in op["responses"] if c[0] in "23"]
        if not codes:
            out.append(f"{method} {path}: no success answer documented")
        for code in (c for c in codes if c.startswith("2") and c != "204"):
            content = op["responses"][code].get("content") or {}
            if not content:
                out.append(f"{method} {path} {code}: no content")
            for media, body in content.items():
                if why := undescribed(body.get("schema") or {}, spec):
                    out.append(f"{method} {path} {code} {media}: {why}")
    return out


@pytest.mark.parametrize("service", SERVICES)
def test_every_success_answer_has_a_schema(service: str) -> None:
    missing = gaps(service)
    assert not missing, "\n".join(missing)


def test_the_check_finds_what_says_nothing() -> None:
    spec = {"components": {"schemas": {"Page": {"type": "object", "properties": {"items": {
        "type": "array", "items": {"type": "object", "additionalProperties": True}}}}}}}  # fmt: skip
    assert undescribed({"title": "Response"}, spec) == "an empty schema"
    assert undescribed({"type": "object", "additionalProperties": True}, spec) == "an object without members"
    assert undescribed({"$ref": "#/components/schemas/Page"}, spec) == "items: an object without members"
    assert undescribed({"type": "object", "properties": {"code": {"type": "string"}}}, spec) is None
    assert undescribed({"type": "string"}, spec) is None


# Routes anyone may call (no token): health, public reads, the fines lookup (three facts are the proof), the
# pay result page, notify's cost preview, templates and gateways' signed receipts, reporting's sign-in/out.
PUBLIC = {
    "catalog": {"GET /v1/procedures", "GET /v1/procedures/{code}"},
    "dossier": {"GET /v1/track/{code}", "GET /v1/documents/{document_id}/content"},  # a signed download link
    "payment": {"GET /v1/payments/{payment_id}", "GET /v1/payments/{payment_id}/result", "GET /v1/fines/lookup",
                "POST /v1/fines/{decision_no}/pay"},
    "feedback": {"GET /v1/feedback/categories", "GET /v1/feedback/published"},
    "notify": {"POST /v1/sms/estimate", "POST /v1/providers/{name}/receipts", "GET /v1/templates",
               "GET /v1/templates/{template_id}", "POST /v1/templates/{template_id}/preview"},
    "reporting": {"POST /v1/api/session", "DELETE /v1/api/session"},
}  # fmt: skip
HEALTH = {"GET /healthz", "GET /readyz", "GET /readyz/broker"}


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_that_needs_a_credential_declares_its_scheme(service: str) -> None:
    spec = document(service)
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }  # fmt: skip
    versioned = [(m, p, op) for m, p, op in operations(spec) if not op.get(PROVIDER_EXTENSION)]
    without = {f"{m} {p}" for m, p, op in versioned if not op.get("security")}
    assert without == PUBLIC[service] | HEALTH, "a route without a security scheme that is not public"
    schemes = set(spec["components"]["securitySchemes"])
    for _, _, op in versioned:
        for requirement in op.get("security", []):
            assert set(requirement) <= schemes


def test_the_schemes_are_the_ones_each_credential_uses() -> None:
    def security(service: str, method: str, path: str) -> list[dict[str, list[str]]]:
        return list(document(service)["paths"][path][method]["security"])

    assert security("dossier", "get", "/v1/dossiers/{code}") == [{"bearerAuth": []}]
    assert security("notify", "post", "/v1/notifications/sms") == [{"notifyApiKey": []}]
    assert document("notify")["components"]["securitySchemes"]["notifyApiKey"]["scheme"] == "bearer"
    assert security("notify", "post", "/v1/api-keys") == [{"bearerAuth": []}]
    assert security("reporting", "get", "/v1/api/figures") == [{"bearerAuth": []}, {"sessionCookie": []}]
    cookie = document("reporting")["components"]["securitySchemes"]["sessionCookie"]
    assert cookie == {**cookie, "type": "apiKey", "in": "cookie", "name": "dvc_session"}
    # the payer's token or a signed pay link (no credential header at all)
    assert security("payment", "post", "/v1/payments/{payment_id}/checkout") == [{"bearerAuth": []}, {}]


def _members(schema: dict[str, Any], spec: dict[str, Any]) -> set[str]:
    if ref := schema.get("$ref"):
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return set(schema.get("properties", {}))


def broken_links(service: str) -> tuple[int, list[str]]:
    """(how many links, what is wrong with them): each names an operation of the document, each parameter one
    of that operation's path parameters, taken from a member of the answer the link starts from."""
    spec, count, out = document(service), 0, []
    for method, path, op in operations(spec):
        for code, answer in op["responses"].items():
            schema = (answer.get("content") or {}).get("application/json", {}).get("schema", {})
            for name, link in answer.get("links", {}).items():
                count += 1
                where = f"{method} {path} {code} → {name}"
                target_path, _, target_method = link["operationRef"].removeprefix("#/paths/").rpartition("/")
                target = spec["paths"].get(target_path.replace("~1", "/").replace("~0", "~"), {})
                if target_method not in target:
                    out.append(f"{where}: no operation {link['operationRef']}")
                    continue
                params = {p["name"] for p in target[target_method].get("parameters", []) if p["in"] == "path"}
                for param, expression in link["parameters"].items():
                    member = expression.removeprefix("$response.body#/")
                    if param.removeprefix("path.") not in params or member not in _members(schema, spec):
                        out.append(f"{where}: {param} = {expression}")
    return count, out


@pytest.mark.parametrize("service", [s for s in SERVICES if s != "reporting"])
def test_links_lead_from_what_a_route_makes_to_the_routes_that_read_or_change_it(service: str) -> None:
    count, broken = broken_links(service)
    assert count >= 1 and not broken, broken
    created = document("dossier")["paths"]["/v1/dossiers"]["post"]["responses"]["201"]["links"]
    assert set(created) == {"GetDossier", "TrackDossier"}
