"""Browser fixtures: both servers (development mode) and Debian's headless Chromium via Playwright.

Playwright drives /usr/bin/chromium (never `playwright install`: nothing is
downloaded). With CI=true a missing browser fails the run instead of skipping.
Screenshots go to results/browser/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from bot.config import REPO_ROOT
from tests.e2e import conftest as e2e
from tests.environment import unavailable

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = REPO_ROOT / "results" / "browser"
PHONE: ViewportSize = {"width": 360, "height": 740}
# The e2e pair and database (tests/live_servers.py); `db` re-seeds it before each test.
db = e2e.db
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"{CHROMIUM} not found: run scripts/ensure-chromium.sh (apt-get install chromium)"
        unavailable(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def widget_server(running: e2e.Servers) -> str:
    """Rasa's base URL: the widget is served by the same development pair the e2e tests use."""
    return running.rasa_url


# Module scope, not session: Playwright's sync API keeps an event loop running in
# the main thread until it stops, and async tests collected after tests/browser
# (tests/e2e) could not start theirs meanwhile.
@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
