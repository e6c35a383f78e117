"""The actions' side of issue 12.2/12.6: every answering action is checked for a word-for-word repeat in one place
(actions/common.py: BotAction), and the certificate's product question is kept for after a side question."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.certificates import ActionIssueCertificate
from actions.changes import ActionReturnToQuestion
from actions.closing import ActionCheckClosure
from actions.credit import ActionExplainPlatformClosure
from tests.actions.conftest import run_action, seed_day
from tests.rendering import render, said

pytestmark = pytest.mark.usefixtures("action_db")


def tracker(customer: str, text: str, intent: str, earlier: list[tuple[str, list[str]]], **slots: Any) -> Tracker:
    """`earlier`: (what the customer said, what the bot answered) before `text`."""
    events: list[dict[str, Any]] = []
    for said_by_user, answers in earlier:
        events += [{"event": "user", "text": said_by_user}, *({"event": "bot", "text": a} for a in answers)]
    latest = {"intent": {"name": intent, "confidence": 1.0}, "entities": [], "text": text}
    events.append({"event": "user", "text": text, "parse_data": latest})
    return Tracker(customer, slots, latest, events, False, None, {}, "rest")


async def first_answer(action: Any, customer: str, text: str, intent: str, **slots: Any) -> list[str]:
    messages, _ = await run_action(action, tracker(customer, text, intent, [], **slots))
    return [render(m) for m in messages]


async def test_a_blocked_closure_asked_again_after_i_repaid_is_short_and_offers_a_person() -> None:
    first = await first_answer(
        ActionCheckClosure(clock=seed_day), "demo_balance", "借呗能注销吗", "close_account", product=["jiebei"]
    )
    assert len(first) > 1 and "3,256.80" in "".join(first)
    again = tracker(
        "demo_balance",
        "我早就还清了 为什么借呗还关不了",
        "close_account",
        [("借呗能注销吗", first)],
        product=["jiebei"],
    )
    messages, events = await run_action(ActionCheckClosure(clock=seed_day), again)
    assert said(messages) == ["utter_push_back_done_repaid"]
    assert messages[0]["buttons"][0]["payload"] == "/request_human"
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["closure_ready"] is False  # the action's own events are kept


async def test_the_platform_closure_explained_twice_is_short_the_second_time() -> None:
    action = ActionExplainPlatformClosure(clock=seed_day)
    first = await first_answer(action, "demo_frozen", "借呗怎么用不了了", "ask_closed_by_platform")
    assert len(first) > 1
    earlier = [("借呗怎么用不了了", first), ("嗯", ["好的"])]
    messages, _ = await run_action(action, tracker("demo_frozen", "我没关过啊", "ask_closed_by_platform", earlier))
    assert said(messages) == ["utter_follow_unchanged"]


async def test_an_answer_from_longer_ago_is_said_in_full_again() -> None:
    action = ActionExplainPlatformClosure(clock=seed_day)
    first = await first_answer(action, "demo_frozen", "借呗怎么用不了了", "ask_closed_by_platform")
    earlier = [("借呗怎么用不了了", first), ("一", ["a"]), ("二", ["b"]), ("三", ["c"])]
    messages, _ = await run_action(
        action, tracker("demo_frozen", "借呗怎么用不了了", "ask_closed_by_platform", earlier)
    )
    assert [render(m) for m in messages] == first


async def test_a_question_asked_again_on_purpose_is_never_shortened() -> None:
    waiting = {
        "question": "utter_ask_certificate_product",
        "reasks": 0,
        "reply": {"params": {}, "buttons": []},
    }
    earlier = [
        ("开个结清证明", ["要开哪个产品的结清证明？"]),
        ("影响征信吗", ["…", "回到刚才的问题：", "要开哪个产品的结清证明？"]),
    ]
    t = tracker("demo_clean", "上征信吗", "ask_credit_impact", earlier, journey_question=waiting)
    t.events[1:1] = [{"event": "action", "name": "action_issue_certificate"}]
    messages, _ = await run_action(ActionReturnToQuestion(clock=seed_day), t)
    assert said(messages) == ["utter_back_to_question", "utter_ask_certificate_product"]


async def test_which_certificate_is_kept_as_a_waiting_question() -> None:
    messages, events = await run_action(
        ActionIssueCertificate(clock=seed_day),
        tracker("demo_clean", "开个结清证明", "request_settlement_certificate", []),
    )
    assert said(messages) == ["utter_ask_certificate_product"]
    waiting = {e["name"]: e["value"] for e in events if e["event"] == "slot"}["journey_question"]
    assert waiting["question"] == "utter_ask_certificate_product"
    assert [title for title, _ in waiting["reply"]["buttons"]] == ["花呗", "借呗", "两个都看看"]
