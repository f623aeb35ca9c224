"""Schemathesis against every service's OpenAPI document, on the running stack (every service a process, the real
broker and PostgreSQL), with a token of each role: 0 server errors and 0 responses that violate the documented
schema (every error is a problem, dvckit.problems). Then its stateful phase where the documents declare links
(what a route makes → the routes that read or change it: dvckit.schemas.links), with the role that can make
it. Sizes: SCHEMATHESIS_SECONDS per fuzzing run (CI: 6 s), SCHEMATHESIS_STATEFUL_SECONDS per stateful run
(CI: 3 s); by hand, more. Two runs at a time. The counts of each run go to test-artifacts/schemathesis.json."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]  # 18 runs of st; under load each starts slowly
SECONDS = os.environ.get("SCHEMATHESIS_SECONDS", "6")
STATEFUL_SECONDS = os.environ.get("SCHEMATHESIS_STATEFUL_SECONDS", "3")
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "schemathesis.json"
RUNS = [(service, role) for service in ("catalog", "dossier", "payment", "feedback", "notify", "reporting")
        for role in ("citizen", "operator")] + [("dossier", "agency")]  # fmt: skip
# who makes what the links start from: a citizen submits dossiers and feedback; a national operator creates
# procedures, payment intents, webhook endpoints and notify's API keys
STATEFUL = [("dossier", "citizen"), ("feedback", "citizen"), ("catalog", "operator"), ("payment", "operator"),
            ("notify", "operator")]  # fmt: skip
COUNTS = re.compile(r"(\d+) generated")
ST = Path(sys.executable).with_name("st")


async def fuzz(url: str, token: str, phase: str = "fuzzing") -> tuple[int, str]:
    args = [
        str(ST), "run", f"{url}/openapi.json", "--checks", "not_a_server_error,response_schema_conformance",
        "--header", f"Authorization: Bearer {token}", "--phases", phase, "--max-examples", "20",
        "--max-time", STATEFUL_SECONDS if phase == "stateful" else SECONDS, "--workers", "1", "--seed", "20261205",
    ]  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=os.environ | {"NO_COLOR": "1"},
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode(errors="replace")


async def test_every_service_answers_its_documented_schema_without_server_errors(
    stack: Stack, make_token: Callable[..., str]
) -> None:
    tokens = {
        "citizen": make_token("citizen"),
        "operator": make_token("operator", sub="op-national"),
        "agency": make_token("agency", agency="SO-GTVT", province="01"),
    }
    results, failed = [], []
    runs = [(s, r, "fuzzing") for s, r in RUNS] + [(s, r, "stateful") for s, r in STATEFUL]
    two_at_a_time = asyncio.Semaphore(2)  # each run is mostly st starting and waiting on a service

    async def one(service: str, role: str, phase: str) -> tuple[int, str]:
        async with two_at_a_time:
            return await fuzz(stack.url(service), tokens[role], phase)

    outcomes = await asyncio.gather(*(one(*run) for run in runs))
    for (service, role, phase), (code, out) in zip(runs, outcomes, strict=True):
        found = COUNTS.search(out)
        generated = int(found.group(1)) if found else 0
        results.append(
            {"service": service, "role": role, "phase": phase, "generated": generated, "exit": code}
        )
        if code != 0 or not generated:
            failed.append(f"--- {service} as {role}, {phase} (exit {code}) ---\n{out[-4000:]}")
    ARTIFACT.parent.mkdir(exist_ok=True)
    seconds = {"seconds_per_run": float(SECONDS), "stateful_seconds_per_run": float(STATEFUL_SECONDS)}
    ARTIFACT.write_text(json.dumps(seconds | {"runs": results}, indent=2))
    assert not failed, "\n".join(failed)
