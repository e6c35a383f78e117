"""Action tests run the real actions against a real, seeded database (both backends)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from tests.conftest import TODAY
from tests.rendering import domain


def seed_day() -> date:
    """The actions' clock in these tests: the day the test database was seeded (`ActionX(clock=seed_day)`)."""
    return TODAY


@pytest.fixture
def outbox(tmp_path) -> Path:
    """The development SMS outbox the actions write one-time codes to."""
    return tmp_path / "outbox.jsonl"


def last_code(outbox: Path) -> str:
    return str(json.loads(outbox.read_text(encoding="utf-8").splitlines()[-1])["code"])


@pytest.fixture
def action_db(factory, db_url: str, outbox: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the actions at the seeded test database in development mode."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    monkeypatch.setenv("BOT_DEV_OUTBOX", str(outbox))
    common.settings.cache_clear()
    yield db_url
    common.settings.cache_clear()


def make_tracker(
    sender: str,
    *,
    intent: str = "close_account",
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    text: str = "",
) -> Tracker:
    latest = {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or [], "text": text}
    return Tracker(sender, slots or {}, latest, [], False, None, {}, "rest")


async def run_action(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if isinstance(action, common.BotAction):
        assert action.clock is seed_day, "construct the action with clock=seed_day: dates follow the seeded data"
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain())
    return dispatcher.messages, events
