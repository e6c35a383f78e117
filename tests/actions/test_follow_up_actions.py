"""Follow-up, push-back and second-question actions on the seeded database (issue 12, parts 1, 6, 7)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rasa_sdk import Tracker
from sqlalchemy.orm import sessionmaker

from actions.follow_up import (
    ActionAnswerFollowUp,
    ActionAnswerPushBack,
    ActionAnswerSecondQuestion,
    ActionOfferSecondQuestion,
)
from bot.config import REPO_ROOT
from bot.conversation.push_back import Done
from tests.actions.conftest import run_action, seed_day
from tests.actions.test_change_actions import snapshot
from tests.rendering import domain, params, render_all, said

pytestmark = pytest.mark.usefixtures("action_db")


def user(text: str, intent: str | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def tracker(sender: str, *events: dict[str, Any], slots: dict[str, Any] | None = None) -> Tracker:
    latest = next(e for e in reversed(events) if e["event"] == "user")
    message = {"intent": latest["parse_data"]["intent"], "entities": [], "text": latest["text"]}
    return Tracker(sender, slots or {}, message, list(events), False, None, {}, "rest")


CLOSE_JIEBEI = user('/close_account{"product":"jiebei"}', "close_account")


async def test_a_follow_up_is_answered_for_the_product_talked_about(factory: sessionmaker) -> None:
    before = snapshot(factory, "demo_balance")
    t = tracker("demo_balance", CLOSE_JIEBEI, user("那这个月要还多少", "out_of_scope"))
    messages, events = await run_action(ActionAnswerFollowUp(clock=seed_day), t)
    assert said(messages) == ["utter_follow_bill"] and params(messages[0])["product_name"] == "借呗"
    assert events == [] and snapshot(factory, "demo_balance") == before


async def test_the_same_answer_again_is_said_in_one_line(factory: sessionmaker) -> None:
    first, _ = await run_action(
        ActionAnswerFollowUp(clock=seed_day), tracker("demo_balance", CLOSE_JIEBEI, user("进度呢", "out_of_scope"))
    )
    shown = {"event": "bot", "text": render_all(first), "data": {}}
    again = tracker("demo_balance", CLOSE_JIEBEI, user("进度呢"), shown, user("到哪一步了", "out_of_scope"))
    messages, _ = await run_action(ActionAnswerFollowUp(clock=seed_day), again)
    assert said(messages) == ["utter_follow_unchanged"] and messages[0]["buttons"]


async def test_a_push_back_without_anything_said_before_is_not_guessed_at() -> None:
    messages, _ = await run_action(ActionAnswerPushBack(clock=seed_day), tracker("demo_balance", user("还是不行")))
    assert said(messages) == ["utter_default"]


async def test_a_push_back_gets_the_short_record_and_a_person(factory: sessionmaker) -> None:
    before = snapshot(factory, "demo_balance")
    t = tracker("demo_balance", CLOSE_JIEBEI, user("还是不行", "deny"))
    messages, _ = await run_action(ActionAnswerPushBack(clock=seed_day), t)
    assert said(messages) == ["utter_push_back_not_working", "utter_short_blocked_owed", "utter_push_back_human"]
    assert snapshot(factory, "demo_balance") == before


async def test_the_second_question_is_offered_then_answered_on_yes() -> None:
    asked = user("你是机器人吗 另外借呗哪天还款", "bot_challenge")
    messages, events = await run_action(ActionOfferSecondQuestion(clock=seed_day), tracker("demo_balance", asked))
    assert said(messages) == ["utter_offer_second_question"] and params(messages[0])["question"] == "借呗哪天还款"
    assert events == [{"event": "slot", "timestamp": None, "name": "offered_question", "value": "借呗哪天还款"}]
    yes = tracker("demo_balance", asked, user("好的", "affirm"), slots={"offered_question": "借呗哪天还款"})
    messages, events = await run_action(ActionAnswerSecondQuestion(clock=seed_day), yes)
    assert said(messages) == ["utter_follow_bill"] and params(messages[0])["amount"] == "¥3,256.80"
    assert events[0]["value"] is None


def test_every_response_the_conversation_package_names_exists_in_the_domain() -> None:
    source = "".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "bot" / "conversation").glob("*.py"))
    named = set(re.findall(r'"(utter_[a-z_]+[a-z])"', source)) | {f"utter_push_back_done_{d.value}" for d in Done}
    glue = (REPO_ROOT / "actions" / "follow_up.py").read_text(encoding="utf-8")
    named |= set(re.findall(r'"(utter_[a-z_]+)"', glue))
    named.discard("utter_action")  # Rasa's metadata key for the response a bot event came from, not a response
    assert named - set(domain()["responses"]) == set()
