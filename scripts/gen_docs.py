"""`make docs`: what the code knows about each service, written where people read it.

- each service README's generated section (between the BEGIN/END GENERATED markers): events in (the topics its
  consumers subscribe to), events out (what it declares it publishes through its outbox) and its HTTP routes;
- the root README's diagram of services and topics;
- OpenAPI (FastAPI) and AsyncAPI 3.0 (FastStream) documents in docs/generated/<service>/ (not committed).

`python scripts/gen_docs.py --check` writes nothing and exits 1 naming every stale file (CI runs it through
tests/test_docs_fresh.py)."""

from __future__ import annotations

import importlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("catalog", "dossier", "payment", "feedback", "notify", "reporting")
OUT = ROOT / "docs" / "generated"
BEGIN, END = "<!-- BEGIN GENERATED: {} (make docs) -->", "<!-- END GENERATED: {} -->"
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Service:
    name: str
    port: int | None
    consumes: list[str] = field(default_factory=list)
    models: dict[str, str] = field(default_factory=dict)  # topic read -> payload model (or "(raw record)")
    publishes: dict[str, tuple[str, str]] = field(default_factory=dict)  # topic -> (model, description)
    routes: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, summary
    openapi: dict[str, Any] = field(default_factory=dict)
    asyncapi: str = ""


def _ports() -> dict[str, int]:
    """Each service's port under `make run`, from the Procfile (the one source)."""
    out = {}
    for line in (ROOT / "deploy" / "local" / "Procfile").read_text().splitlines():
        name, _, cmd = line.partition(":")
        if found := re.search(r"--port (\d+)", cmd):
            out[name.strip()] = int(found.group(1))
    return out


def _routes(openapi: dict[str, Any]) -> list[tuple[str, str, str]]:
    paths = openapi.get("paths", {})
    out = []
    for path, ops in paths.items():
        if not path.startswith("/v1") and f"/v1{path}" in paths:
            continue  # the unversioned alias of a /v1 path
        for method in METHODS:
            if method in ops:
                out.append((method.upper(), path, (ops[method].get("summary") or "").strip()))
    return out


def load(name: str, port: int | None) -> Service:
    from faststream.specification import AsyncAPI

    module = importlib.import_module(f"dvc_{name}.entrypoints.app")
    runtime = module.create_runtime()
    runtime.finalize()
    routes = {r.topic: r for r in [*runtime.routes, *runtime.instance_routes]}
    models = {t: r.model.__name__ if r.model is not None else "(raw record)" for t, r in routes.items()}
    svc = Service(name, port, consumes=sorted(routes), models=models)
    svc.publishes = {t: (m.__name__, d or "") for t, (m, d) in sorted(runtime.published.items())}
    svc.openapi = module.create_app().openapi()
    svc.routes = _routes(svc.openapi)
    spec = AsyncAPI(runtime.broker, title=f"Cổng DVC — {name}", version="0.1.0", schema_version="3.0.0")
    svc.asyncapi = spec.to_specification().to_json() + "\n"
    return svc


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def interface(svc: Service) -> str:
    where = f" (port {svc.port} under `make run`)" if svc.port else ""
    lines = [
        "## Interface (generated from the code)",
        "",
        f"**Events in** ({len(svc.consumes)} topics):",
        "",
        "| topic | payload |",
        "|---|---|",
        *(f"| `{t}` | `{svc.models[t]}` |" for t in svc.consumes),
        "",
        f"**Events out** (through the outbox; {len(svc.publishes)} topics):",
        "",
        "| topic | payload | note |",
        "|---|---|---|",
        *(f"| `{t}` | `{m}` | {_cell(d)} |" for t, (m, d) in svc.publishes.items()),
        "",
        f"**HTTP**{where}: every `/v1` path also answers without the prefix; `/docs` has the details.",
        "",
        "| method | path | summary |",
        "|---|---|---|",
        *(f"| {m} | `{p}` | {_cell(s)} |" for m, p, s in svc.routes),
    ]
    return "\n".join(lines)


def diagram(services: list[Service]) -> str:
    short = {"catalog": "CAT", "dossier": "DOS", "payment": "PAY", "feedback": "FB", "notify": "NOT",
             "reporting": "REP"}  # fmt: skip
    lines = [
        "```mermaid",
        "flowchart LR",
        "  AG[agencies' one-stop systems] -- agency-status-reported[.system] --> K((Kafka))",
        "  POL[traffic police] -- fine-issued --> K",
        "  POR[portal :8006] -- account-registered / account-signed-in --> K",
    ]
    for s in services:
        node = f"{short[s.name]}[{s.name} :{s.port}]"
        if s.publishes:
            lines.append(f"  {node} -- {' / '.join(s.publishes)} --> K")
        topics = sorted({t.split(".", 1)[0] for t in s.consumes})
        label = " / ".join(topics) if len(topics) <= 10 else f"{len(topics)} topics"
        if topics:
            lines.append(f"  K -- {label} --> {short[s.name]}")
    lines += ["  K -- agency-status-rejected[.system] --> AG", "```"]
    return "\n".join(lines)


def replace(text: str, name: str, body: str, where: str) -> str:
    begin, end = BEGIN.format(name), END.format(name)
    block = f"{begin}\n{body}\n{end}"
    if begin not in text:
        raise SystemExit(f"{where}: no '{begin}' marker")
    return re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _m: block, text, flags=re.S)


def expected() -> tuple[dict[Path, str], list[Service]]:
    """Every committed file the generator owns, as it should read now."""
    ports = _ports()
    services = [load(name, ports.get(name)) for name in SERVICES]
    files = {}
    for svc in services:
        path = ROOT / "services" / svc.name / "README.md"
        files[path] = replace(path.read_text(), "interface", interface(svc), str(path))
    readme = ROOT / "README.md"
    files[readme] = replace(readme.read_text(), "diagram", diagram(services), str(readme))
    return files, services


def stale() -> list[str]:
    files, _ = expected()
    return [str(p.relative_to(ROOT)) for p, text in files.items() if p.read_text() != text]


def main() -> None:
    if "--check" in sys.argv:
        if bad := stale():
            raise SystemExit(f"generated docs are stale (run `make docs`): {', '.join(bad)}")
        print("generated docs are fresh")
        return
    files, services = expected()
    for path, text in files.items():
        if path.read_text() != text:
            path.write_text(text)
            print(f"updated {path.relative_to(ROOT)}")
    for svc in services:
        target = OUT / svc.name
        target.mkdir(parents=True, exist_ok=True)
        (target / "openapi.json").write_text(json.dumps(svc.openapi, ensure_ascii=False, indent=2) + "\n")
        (target / "asyncapi.json").write_text(svc.asyncapi)
        print(f"{svc.name}: {target}/openapi.json, {target}/asyncapi.json")
    print("event payload schemas: contracts/schemas/*.json")


if __name__ == "__main__":
    main()
