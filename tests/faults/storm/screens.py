"""The dashboard's pipeline panel during the storm, in headless Chromium (``FAULTS_SCREENSHOTS=<dir>``; by hand,
not in CI): a national operator signs in to the storm's own reporting service with a token, and every
``FAULTS_SCREENSHOT_EVERY_S`` seconds the panel (consumer lag, outbox backlog, rejections, dead letters) is saved
as ``pipeline-<seconds since start>s-lag-<total lag>.png`` — the backlog growing in the outage and draining."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx

from dvckit.browser import chromium
from dvckit.browser import wait as browser_wait

from .log import say
from .stack import Stack
from .web import signed


async def _total_lag(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> int | None:
    try:
        r = await http.get(f"{url}/api/pipeline", headers=headers)
        rows = r.json()["lag"]["rows"] if r.status_code == 200 else []
    except (httpx.HTTPError, ValueError, KeyError):
        return None
    return sum(int(row.get("lag") or 0) for row in rows)


def _sign_in(driver: Any, url: str, token: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/login")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.ID, "login-button").click()
    browser_wait(driver, lambda d: d.find_elements(By.ID, "pipeline"), timeout=60)


def _shoot(driver: Any, path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.refresh()
    panel = browser_wait(driver, lambda d: d.find_element(By.ID, "pipeline"), timeout=60)
    # the panel is filled by the page's script: wait for the measurement's time to be shown
    browser_wait(driver, lambda d: d.find_element(By.ID, "pipeline-at").text.strip() not in ("", "—"), 30)
    driver.execute_script("arguments[0].scrollIntoView()", panel)
    panel.screenshot(str(path))


async def keep_shooting(stack: Stack, t0: float, stop: asyncio.Event) -> list[str]:
    """Screenshots until ``stop``; [] when FAULTS_SCREENSHOTS is not set."""
    where = os.environ.get("FAULTS_SCREENSHOTS")
    if not where or stack.keys is None:
        return []
    out, every = Path(where), float(os.environ.get("FAULTS_SCREENSHOT_EVERY_S", "15"))
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    headers = await signed(stack.keys, role="operator", sub="fs-national", name="Cán bộ vận hành")
    token, url, saved = headers["authorization"].split(" ", 1)[1], stack.url("reporting"), []
    browser = chromium(window="1400,1000")  # started and stopped in a thread: never block the storm's loop
    try:
        driver = await asyncio.to_thread(browser.__enter__)
    except Exception as exc:  # no browser: the storm goes on without its pictures (make faults installs one)
        say(f"no dashboard screenshots: the browser did not start ({type(exc).__name__}: {exc})"[:300])
        return []
    try:
        await asyncio.to_thread(_sign_in, driver, url, token)
        async with httpx.AsyncClient(timeout=10) as http:
            while not stop.is_set():
                lag = await _total_lag(http, url, headers)
                path = out / f"pipeline-{time.time() - t0:05.0f}s-lag-{lag if lag is not None else 'na'}.png"
                try:
                    await asyncio.to_thread(_shoot, driver, path)
                    saved.append(str(path))
                except Exception as exc:  # a dashboard that does not answer in a fault window: next tick
                    say(f"screenshot skipped: {type(exc).__name__}")
                await asyncio.wait([asyncio.ensure_future(stop.wait())], timeout=every)
    finally:
        await asyncio.to_thread(browser.__exit__, None, None, None)
    say(f"{len(saved)} dashboard screenshots in {out}")
    return saved
