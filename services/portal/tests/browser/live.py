"""What the portal's browser walks share (imported by conftest.py and the test modules, collected by neither).

``live_stack``: the real services as processes (uvicorn) on the session's broker and PostgreSQL, the catalog
seeded with the real procedures, and the portal as a process in front of them. Short clocks where a walk waits
on one (the payment sandbox calls back at once). Each walk uses the seed's real procedure codes and publishes no
procedure of its own: the session's other dossier services read the same catalog topic.

The rest: axe-core (installed from the lock file), waiting for what is asserted (never a fixed sleep), one
walk's screenshots and accessibility results, the development sign-in, and the agencies' side of a story
(reports over dossier's HTTP ingest, the police's fine decision on Kafka)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event, to_structured
from dvc_contracts.events import AgencyStatusReportedV1
from dvckit.browser import wait as browser_wait
from dvckit.dev.waiting import poll
from dvckit.testing import PostgresServer, ServiceProcess, free_port, migrated_database

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parents[3] / "test-artifacts" / "portal"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
STAMP = HERE / "node_modules" / ".dvc-installed"
START_SECONDS = 120.0
MIB = 1024 * 1024  # the file size limit of the stack (dossier and portal alike)
BACKENDS = ("catalog", "dossier", "payment", "notify", "feedback")  # the portal's services, all of them
EXTRA_ENV = {
    "payment": {  # the sandbox settles at once; its jobs run often (tests/e2e/conftest.py's clocks)
        "PAYMENT_SANDBOX_CALLBACK_DELAY_SECONDS": "0",
        "PAYMENT_EXPIRY_INTERVAL_SECONDS": "0.2",
        "PAYMENT_RECONCILE_INTERVAL_SECONDS": "0.5",
        "PAYMENT_RECONCILE_MAX_INTERVAL_SECONDS": "2",
        "PAYMENT_REFUND_INTERVAL_SECONDS": "0.2",
        "PAYMENT_FINES_LOOKUP_BURST": "200",  # every lookup comes from 127.0.0.1
    },
    "notify": {"NOTIFY_PROVIDERS": '["sandbox"]'},  # recorded, not sent
}


class PortalProcess(ServiceProcess):
    """The portal has no broker: it is ready when its database answers."""

    def wait_ready(self, timeout: float, **_: Any) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); log: {self.log_path}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout} s; log: {self.log_path}")


@dataclass
class Stack:
    services: dict[str, ServiceProcess]
    bootstrap: str
    documents: Path  # the dossier service's object store (file://)

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def url(self, name: str) -> str:
        return self.services[name].url

    def database(self, name: str) -> str:
        return self.services[name].env[f"{name.upper()}_DATABASE_URL"]


@contextlib.asynccontextmanager
async def live_stack(
    pg: PostgresServer,
    kafka_bootstrap: str,
    auth_env: dict[str, str],
    dev_keys_dir: Path,
    logs: Path,
    backends: tuple[str, ...] = BACKENDS,
) -> AsyncIterator[Stack]:
    """``backends``: which of the portal's services run (catalog and dossier at least); the portal's URL for
    the others leads nowhere (their pages say the service is unavailable)."""
    run = uuid.uuid4().hex[:6]
    urls = {n: await migrated_database(pg, f"dvc_{n}") for n in (*backends, "portal")}
    documents = logs / "documents"
    common = {
        "KAFKA_BOOTSTRAP": kafka_bootstrap,
        "KAFKA_SESSION_TIMEOUT_MS": "1000",
        "LOG_LEVEL": "INFO",
        **auth_env,
    }
    # the seed procedures, published through catalog's outbox when it runs
    seeded = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "dvc_catalog.seed"],
        env=os.environ | common | {"CATALOG_DATABASE_URL": urls["catalog"]},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    services: dict[str, ServiceProcess] = {}
    for name in backends:
        prefix = name.upper()
        env = common | {
            f"{prefix}_DATABASE_URL": urls[name],
            f"{prefix}_CONSUMER_GROUP": f"dvc-{name}-portal-{run}",
            f"{prefix}_RELAY_IDLE_SECONDS": "0.05",
            **EXTRA_ENV.get(name, {}),
        }
        if name == "dossier":  # citizens' documents on this run's disk, 1 MiB a file (the portal's limit too)
            env |= {"DOSSIER_DOCUMENTS_STORE": f"file://{documents}", "DOSSIER_DOCUMENTS_MAX_BYTES": str(MIB)}
        services[name] = ServiceProcess(name, free_port(), env, logs / f"{name}.log")
    nowhere = f"http://127.0.0.1:{free_port()}"
    services["portal"] = PortalProcess(
        "portal",
        free_port(),
        common
        | {
            "PORTAL_DATABASE_URL": urls["portal"],
            "PORTAL_DEV_KEYS_DIR": str(dev_keys_dir),
            "PORTAL_DOCUMENTS_MAX_BYTES": str(MIB),
            **{f"PORTAL_{n.upper()}_URL": services[n].url if n in services else nowhere for n in BACKENDS},
        },
        logs / "portal.log",
    )
    try:
        # 6 processes starting at once on a small CI machine: more than the kit's 60 s is allowed
        await asyncio.gather(*(asyncio.to_thread(s.start, START_SECONDS) for s in services.values()))
        yield Stack(services, kafka_bootstrap, documents)
    finally:
        await asyncio.gather(*(asyncio.to_thread(s.stop) for s in services.values()))


# --- axe-core ----------------------------------------------------------------------------------------------


def install_axe() -> str:
    """axe-core's browser script, installed from the lock file once (npm ci), as the node kit's test does."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("the portal's accessibility check needs npm (CI has it) to install axe-core")
    lock = hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()
    with open(HERE / "package.json", "rb") as guard:  # one installer at a time in this folder
        fcntl.flock(guard, fcntl.LOCK_EX)
        try:
            if not (STAMP.is_file() and STAMP.read_text() == lock and AXE.is_file()):
                done = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund"],
                    cwd=HERE,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
                STAMP.write_text(lock)
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)
    return AXE.read_text()


def axe(driver: Any, source: str, min_passes: int = 10) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.0/2.1 A and AA rules on the current page (colour contrast included);
    at least ``min_passes`` rules applied and passed (a page where nothing applies would be a broken check)."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(source)
    result = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                           resultTypes: ['violations']})
          .then((r) => done(JSON.stringify({passes: r.passes.length, violations: r.violations.map((v) => ({
                 id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}))})))
          .catch((e) => done(JSON.stringify({passes: 0, violations: [{id: 'axe-error', help: String(e), nodes: []}]})));"""
    )
    outcome = json.loads(result)
    assert outcome["passes"] >= min_passes, outcome
    violations: list[dict[str, Any]] = outcome["violations"]
    return violations


# --- waiting -----------------------------------------------------------------------------------------------


def wait(driver: Any, until: Callable[[Any], Any], timeout: float = 20) -> Any:
    """Until ``until(driver)`` is truthy. An element of the page being replaced reads as "not yet": Selenium
    says stale, or Chromium answers "Node ... does not belong to the document" (a plain WebDriverException)
    when the question reaches it mid-navigation."""
    from selenium.common.exceptions import WebDriverException

    def settled(d: Any) -> Any:
        try:
            return until(d)
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc.msg or ""):
                return False
            raise

    return browser_wait(driver, settled, timeout, poll=0.1)


def load_next(driver: Any, go: Callable[[], None], timeout: float = 20) -> None:
    """``go()`` (a click that submits or follows a link), then until the page it loads has replaced this one.
    The old document is marked first and the new one has no mark: the answer is never read from the page going
    away, even when both show the same element (a refusal after a refusal)."""
    from selenium.common.exceptions import WebDriverException

    driver.execute_script("window.dvcLeaving = true")
    go()

    def arrived(d: Any) -> bool:
        try:
            return bool(d.execute_script("return !window.dvcLeaving && document.readyState === 'complete'"))
        except WebDriverException:  # the document is being replaced under the script
            return False

    browser_wait(driver, arrived, timeout, poll=0.1)


def reload_until(driver: Any, until: Callable[[Any], Any], timeout: float = 40, every: float = 0.5) -> Any:
    """A server-rendered page shows what the services knew when it was served: load it again until ``until``
    holds (what a citizen does with F5). Returns ``until``'s value; fails with the page's text."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = until(driver)
        except (NoSuchElementException, StaleElementReferenceException):  # not there yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            body = driver.execute_script("return document.body ? document.body.innerText : ''")
            raise AssertionError(f"not shown within {timeout} s on {driver.current_url}:\n{body[:3000]}")
        time.sleep(every)
        driver.refresh()


# --- one walk: screenshots and accessibility ---------------------------------------------------------------


@dataclass
class Walk:
    """A story's pages: each ``shot`` saves a screenshot (test-artifacts/portal/<story>-<name>.png) and runs
    axe-core. The portal's own pages must pass; another service's page (the payment service's pay pages,
    ``ours=False``) is checked and recorded in the same file, for its owners."""

    driver: Any
    axe_source: str
    story: str
    portal: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    elsewhere: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def shot(self, name: str, *, ours: bool = True, at: str | None = None) -> None:
        """``at``: the id of what the page is about, scrolled into the (phone-sized) screenshot."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if at is not None:
            self.driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", at)
        self.driver.save_screenshot(str(ARTIFACTS / f"{self.story}-{name}.png"))
        if ours:
            self.portal[name] = axe(self.driver, self.axe_source)
        else:  # a small page of a few elements
            self.elsewhere[name] = axe(self.driver, self.axe_source, min_passes=3)

    def save(self, **extra: Any) -> None:
        """Write the results (and ``extra``, e.g. the SMS sent) to test-artifacts/portal/<story>.json."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        record = {"portal": self.portal, "other_services": self.elsewhere, **extra}
        (ARTIFACTS / f"{self.story}.json").write_text(json.dumps(record, ensure_ascii=False, indent=2))

    def assert_accessible(self) -> None:
        problems = {page: v for page, v in self.portal.items() if v}
        assert not problems, json.dumps(problems, ensure_ascii=False, indent=2)


# --- the citizen and the agencies --------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    citizen_id: str  # the token's subject
    phone: str

    @classmethod
    def new(cls, name: str, phone: str) -> Person:
        """A citizen of their own (a fresh 12-digit id): each story's dossiers, fines and SMS are theirs."""
        return cls(name, "0" + str(uuid.uuid4().int)[:11], phone)


def sign_in(driver: Any, portal: str, person: Person, next_path: str) -> None:
    """The development sign-in, then ``next_path`` loaded (the header greets the citizen)."""
    driver.get(f"{portal}/dang-nhap?tiep={next_path}")
    fill_sign_in(driver, person)
    wait(driver, lambda d: d.current_url.startswith(portal + next_path) and greeted(d, person))


def fill_sign_in(driver: Any, person: Person) -> None:
    from selenium.webdriver.common.by import By

    wait(driver, lambda d: "/dang-nhap" in d.current_url and d.find_element(By.ID, "signin-button"))
    for name, value in (
        ("s-name", person.name),
        ("s-citizen_id", person.citizen_id),
        ("s-phone", person.phone),
    ):
        box = driver.find_element(By.ID, name)
        box.clear()
        box.send_keys(value)
    driver.find_element(By.ID, "signin-button").click()


def greeted(driver: Any, person: Person) -> bool:
    from selenium.webdriver.common.by import By

    return f"Xin chào, {person.name}" in driver.find_element(By.TAG_NAME, "header").text


async def agency_reports(
    stack: Stack,
    token: str,
    report: AgencyStatusReportedV1,
) -> None:
    """An agency's status report over dossier's HTTP ingest (agencies without Kafka): a structured CloudEvent,
    accepted or the test fails with the reason."""
    event = new_event(
        topics.AGENCY_STATUS_REPORTED, f"/agency/{report.agency_code}", report, subject=report.dossier_code
    )
    _, body = to_structured(event)
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(
            f"{stack.url('dossier')}/agency/status-events",
            content=b"[" + body + b"]",
            headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        )
    assert r.status_code == 202 and r.json()["accepted"] == 1, r.text


def report(
    dossier: str, procedure: str, agency: str, seq: int, status: str, result: str | None = None
) -> AgencyStatusReportedV1:
    return AgencyStatusReportedV1(
        dossier_code=dossier,
        procedure_code=procedure,
        agency_code=agency,
        province_code="01",
        sequence=seq,
        status=status,  # type: ignore[arg-type]
        occurred_at=clock.now(),
        result=result,
    )


async def sms_of(stack: Stack, operator: str, **query: str) -> list[dict[str, Any]]:
    """What notify made of the events (operators' list, newest first; numbers masked)."""
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.get(
            f"{stack.url('notify')}/sms", params=query, headers={"authorization": f"Bearer {operator}"}
        )
    r.raise_for_status()
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def wait_sms(
    stack: Stack, operator: str, *needles: str, timeout: float = 40, **query: str
) -> list[str]:
    """Until notify holds an SMS containing each of ``needles`` (among those of ``query``); their texts."""

    async def texts() -> list[str]:
        return [m["text"] for m in await sms_of(stack, operator, **query)]

    found: list[str] = await poll(
        texts, lambda ts: all(any(n in t for t in ts) for n in needles), timeout=timeout
    )
    return found
