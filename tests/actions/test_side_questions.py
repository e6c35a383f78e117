"""A side question inside a pending step (issue 12.2), and a no with nothing pending (12.3): the actions' side."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from sqlalchemy.orm import sessionmaker

from actions.changes import ActionDecline, ActionReturnToQuestion
from actions.closing import ActionCheckClosure, ActionExplainReopenLater
from tests.actions.conftest import run_action, seed_day
from tests.actions.test_change_actions import snapshot
from tests.rendering import params, render, said

pytestmark = pytest.mark.usefixtures("action_db")

WAITING = {
    "question": "utter_ask_pause_duration",
    "reasks": 1,
    "reply": {
        "params": {"product_name": "花呗", "min_days": "7", "max_days": "365"},
        "buttons": [["三个月", '/pause_credit{"product":"huabei","duration":90}']],
    },
}


def tracker(intent: str, slots: dict[str, Any], actions: list[str]) -> Tracker:
    latest = {"intent": {"name": intent, "confidence": 1.0}, "entities": [], "text": ""}
    events = [{"event": "action", "name": name} for name in actions]
    return Tracker("demo_clean", slots, latest, events, False, None, {}, "rest")


async def test_the_waiting_question_is_asked_again_as_it_was_said() -> None:
    t = tracker("ask_credit_impact", {"journey_question": WAITING}, ["action_check_pause", "action_listen"])
    messages, events = await run_action(ActionReturnToQuestion(clock=seed_day), t)
    assert said(messages) == ["utter_back_to_question", "utter_ask_pause_duration"]
    assert "花呗想暂停多久" in render(messages[1]) and messages[1]["buttons"][0]["title"] == "三个月"
    assert events == []  # the count of re-asks is not touched: a side question is no unclear answer


async def test_nothing_is_asked_once_another_journey_started() -> None:
    t = tracker("ask_credit_impact", {"journey_question": WAITING}, ["action_check_pause", "action_check_closure"])
    messages, _ = await run_action(ActionReturnToQuestion(clock=seed_day), t)
    assert messages == []


async def test_a_no_to_a_waiting_question_ends_it_and_changes_nothing(factory: sessionmaker) -> None:
    before = snapshot(factory, "demo_clean")
    t = tracker("deny", {"journey_question": WAITING, "duration": 730.0}, ["action_check_pause", "action_listen"])
    messages, events = await run_action(ActionDecline(clock=seed_day), t)
    assert said(messages) == ["utter_change_not_applied"]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["journey_question"] is None and slots["duration"] is None
    assert snapshot(factory, "demo_clean") == before


async def test_a_no_with_nothing_pending_is_honest_not_a_bare_ok() -> None:
    messages, _ = await run_action(ActionDecline(clock=seed_day), tracker("deny", {}, ["action_explain_credit_impact"]))
    assert said(messages) == ["utter_nothing_to_decline"]
    assert "没有做任何更改" in render(messages[0]) and render(messages[0]) != "好的。"


async def test_can_i_reopen_later_gives_the_rule_for_the_lines_being_closed() -> None:
    t = tracker("reopen_account", {"closure_products": ["huabei", "jiebei"]}, ["closure_form"])
    messages, events = await run_action(ActionExplainReopenLater(clock=seed_day), t)
    assert said(messages) == ["utter_closure_reopen_rule"]
    assert params(messages[0]) == {"product_name": "花呗和借呗", "cooldown_days": "30"}
    assert events == []


async def test_the_closing_product_question_is_kept_so_it_survives_a_side_question() -> None:
    latest = {"intent": {"name": "close_account", "confidence": 1.0}, "entities": [], "text": "我想注销"}
    messages, events = await run_action(
        ActionCheckClosure(clock=seed_day), Tracker("demo_clean", {}, latest, [], False, None, {}, "rest")
    )
    assert said(messages) == ["utter_ask_closure_product"]
    waiting = {e["name"]: e["value"] for e in events if e["event"] == "slot"}["journey_question"]
    assert waiting["question"] == "utter_ask_closure_product"
    assert [title for title, _ in waiting["reply"]["buttons"]][:2] == ["花呗", "借呗"]
