"""「确认」「好的」 with nothing waiting: an honest answer from the database, never a bare 「好的」 (issue 12)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from rasa_sdk import Tracker
from sqlalchemy.orm import sessionmaker

from actions.service_requests import ActionNothingPending
from bot.db import queries
from bot.db.session import session_scope
from tests.actions.conftest import run_action, seed_day
from tests.actions.test_change_actions import snapshot
from tests.factories import stored_account
from tests.rendering import params, said

pytestmark = pytest.mark.usefixtures("action_db")


def affirm_tracker(sender: str, events: list[dict[str, Any]] | None = None) -> Tracker:
    latest = {"intent": {"name": "affirm", "confidence": 1.0}, "entities": [], "text": "确认"}
    return Tracker(sender, {}, latest, events or [], False, None, {}, "rest")


async def test_a_yes_with_nothing_pending_says_so_and_changes_nothing(factory: sessionmaker) -> None:
    before = snapshot(factory, "demo_clean")
    messages, events = await run_action(ActionNothingPending(clock=seed_day), affirm_tracker("demo_clean"))
    assert said(messages) == ["utter_nothing_to_confirm", "utter_nothing_to_confirm_help"]
    assert events == [] and snapshot(factory, "demo_clean") == before


async def test_a_yes_lists_what_is_still_being_handled(factory: sessionmaker) -> None:
    with session_scope(factory) as s:
        jiebei = stored_account(s, "demo_clean", "jiebei")
        request = queries.submit_request(
            s,
            customer_id="demo_clean",
            account_id=jiebei.account_id,
            kind="close",
            required_review_levels=2,
            channel="t",
        )
        request.created_at = datetime(seed_day().year, 1, 5, 20, 0, tzinfo=timezone.utc)  # 1月6日 04:00 Beijing
    messages, _ = await run_action(ActionNothingPending(clock=seed_day), affirm_tracker("demo_clean"))
    assert said(messages) == ["utter_nothing_to_confirm", "utter_nothing_to_confirm_open", "utter_request_line"]
    assert params(messages[2])["product_name"] == "借呗" and params(messages[2])["submitted"] == "1月6日"


async def test_a_yes_after_buttons_points_to_the_buttons() -> None:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "借呗"},
        {"event": "bot", "text": "想先确认一下", "data": {"buttons": [{"title": "申请注销额度", "payload": "/close"}]}},
        {"event": "user", "text": "好的"},
    ]
    messages, _ = await run_action(ActionNothingPending(clock=seed_day), affirm_tracker("demo_clean", events))
    assert said(messages) == ["utter_nothing_to_confirm", "utter_nothing_to_confirm_buttons"]
