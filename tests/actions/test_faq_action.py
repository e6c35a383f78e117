"""action_answer_out_of_scope: the selector's pick becomes a reviewed answer only when it is sure."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.faq import ActionAnswerOutOfScope, selector_pick
from bot.credit.faq import MIN_CONFIDENCE
from tests.actions.conftest import run_action, seed_day


def tracker(text: str, response_selector: dict[str, Any] | None) -> Tracker:
    latest: dict[str, Any] = {"intent": {"name": "out_of_scope", "confidence": 0.9}, "entities": [], "text": text}
    if response_selector is not None:
        latest["response_selector"] = response_selector
    return Tracker("demo_clean", {}, latest, [], False, None, {}, "rest")


def picked(key: str, confidence: float) -> dict[str, Any]:
    response = {"intent_response_key": key, "confidence": confidence, "utter_action": f"utter_{key}"}
    return {"all_retrieval_intents": ["out_of_scope"], "out_of_scope": {"response": response, "ranking": []}}


async def answer(t: Tracker) -> list[str]:
    messages, events = await run_action(ActionAnswerOutOfScope(clock=seed_day), t)
    assert events == []  # an answer changes nothing and starts nothing
    return [m["response"] for m in messages]


async def test_a_confident_pick_gets_its_reviewed_answer() -> None:
    t = tracker("还款后额度多久恢复", picked("out_of_scope/limit_after_repaying", MIN_CONFIDENCE + 0.1))
    assert await answer(t) == ["utter_out_of_scope/limit_after_repaying"]


async def test_an_unsure_pick_or_no_pick_gets_the_out_of_scope_reply() -> None:
    unsure = tracker("额度", picked("out_of_scope/limit_after_repaying", MIN_CONFIDENCE - 0.1))
    assert await answer(unsure) == ["utter_out_of_scope/other"]
    assert await answer(tracker("/out_of_scope", None)) == ["utter_out_of_scope/other"]  # the clarify button


def test_the_pick_is_read_from_rasas_parse_data() -> None:
    parse = {"response_selector": picked("out_of_scope/auto_repay", 0.8)}
    assert selector_pick(parse) == ("out_of_scope/auto_repay", 0.8)
    assert selector_pick({}) == (None, None)
