"""Browser tests: Debian's headless Chromium driven by Playwright against both servers.

The servers are the e2e ones (tests/e2e/conftest.py, shared once per run).
Screenshots go to results/browser/ as test artefacts. With CI=true a missing
browser fails the run instead of skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import REPO_ROOT
from tests.e2e.conftest import (  # noqa: F401 - fixtures shared with the e2e tests
    action_settings,
    chat,
    console,
    db,
    e2e_db,
    outbox,
    running,
    servers,
)

CHROMIUM = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTEFACTS = REPO_ROOT / "results" / "browser"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session (never `playwright install`: the system browser)."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} not found: install Debian's chromium package"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (own cookies) and page, 1280×900, Chinese locale."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Any:
    """shot(page, "step") saves results/browser/<test>-<n>-<step>.png."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def save(page: Any, step: str) -> Path:
        path = ARTEFACTS / f"{request.node.name}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
