"""Action tests run the real actions against a real, seeded database (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from tests.rendering import domain


@pytest.fixture
def action_db(factory, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Point the actions at the seeded test database in development mode."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    common.settings.cache_clear()
    monkeypatch.setattr(common, "today", lambda: __import__("tests.conftest").conftest.TODAY)
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
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain())
    return dispatcher.messages, events
