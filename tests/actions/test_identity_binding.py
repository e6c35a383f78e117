"""In production the actions act only for the customer the channel verified."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions import common
from actions.closing import ActionCheckClosure
from bot.security.identity import VERIFIED_CUSTOMER
from tests.actions.conftest import run_action, seed_day
from tests.rendering import params, said

pytestmark = pytest.mark.usefixtures("action_db")


@pytest.fixture(autouse=True)
def production(action_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "false")
    common.settings.cache_clear()


def tracker(sender: str, metadata: dict[str, Any] | None, slots: dict[str, Any] | None = None) -> Tracker:
    events = [{"event": "user", "text": "借呗能注销吗", "metadata": metadata or {}}]
    latest = {"intent": {"name": "close_account", "confidence": 1.0}, "entities": [], "text": "借呗能注销吗"}
    return Tracker(sender, {"product": ["jiebei"], **(slots or {})}, latest, events, False, None, {}, "rest")


async def answer(t: Tracker) -> list[dict[str, Any]]:
    messages, _ = await run_action(ActionCheckClosure(clock=seed_day), t)
    return messages


async def test_the_verified_customer_gets_their_own_account() -> None:
    messages = await answer(tracker("demo_balance", {VERIFIED_CUSTOMER: "demo_balance"}))
    assert said(messages)[0] == "utter_closure_blocked_intro"
    assert params(messages[1]) == {"amount": "¥3,256.80", "due_date": "12月4日"}  # demo_balance's jiebei bill


@pytest.mark.parametrize(
    "sender, metadata, slots",
    [
        ("demo_balance", None, None),  # sender id alone: production never trusts it
        ("demo_balance", {"customer_id": "demo_balance"}, None),  # a client-made key is not the verified one
        ("demo_balance", {VERIFIED_CUSTOMER: "demo_clean"}, None),  # verified someone else: mismatch
        ("demo_clean", {VERIFIED_CUSTOMER: "demo_balance"}, {"customer_id": "demo_balance"}),
    ],
)
async def test_nothing_is_read_without_a_matching_verified_customer(sender: str, metadata: Any, slots: Any) -> None:
    messages = await answer(tracker(sender, metadata, slots))
    assert said(messages) == ["utter_identity_unknown"] and params(messages[0]) == {}  # nothing read, nothing said
