"""Headless Debian Chromium for the browser tests (Selenium and Debian's chromedriver; `make test` installs both
with services/reporting/tests/browser/ensure-chromium.sh). Test support only: no service imports it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--lang=vi-VN",
)  # fmt: skip


def skip_unless_installed() -> None:
    """Call at a browser test module's top: skip it, saying how to install, where Chromium is missing."""
    import pytest

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(
            "Debian's chromium/chromium-driver are not installed: "
            "run services/reporting/tests/browser/ensure-chromium.sh",
            allow_module_level=True,
        )


@contextmanager
def chromium(window: str = "1600,1100") -> Iterator[Any]:
    """A headless Chromium (a Selenium WebDriver) with its own throw-away profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="dvc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size={window}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver: Any, until: Callable[[Any], Any], timeout: float = 30, poll: float = 0.2) -> Any:
    """Wait for ``until(driver)`` to be truthy (a re-rendered element is looked up again)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(
        driver, timeout, poll_frequency=poll, ignored_exceptions=(StaleElementReferenceException,)
    ).until(until)
