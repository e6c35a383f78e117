"""The development server pair, shared by tests/e2e and tests/browser (a pytest plugin).

Starting a Rasa server and an action server takes a minute or more (Rasa loads
the model and TensorFlow), so both test folders talk to one pair per session.
Registered by `pytest_plugins` in tests/conftest.py: fixtures in a folder's
conftest would be instantiated once per folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db.migrate import upgrade_to_head
from tests.e2e.conftest import ACTION_PORT, RASA_PORT, Servers, serving


@pytest.fixture(scope="session")
def e2e_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The servers' SQLite database (each test re-seeds it through the `db` fixture)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'bot.db'}"
    upgrade_to_head(url)
    return url


@pytest.fixture(scope="session")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development SMS outbox the action server writes one-time codes to."""
    return tmp_path_factory.mktemp("outbox") / "outbox.jsonl"


@pytest.fixture(scope="session")
def running(e2e_db: str, outbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Both servers in development mode, once per session."""
    env = {"DATABASE_URL": e2e_db, "BOT_DEV_MODE": "true", "BOT_DEV_OUTBOX": str(outbox)}
    with serving(tmp_path_factory.mktemp("servers"), env, ACTION_PORT, RASA_PORT) as servers:
        yield servers
