"""Handoff actions against a real, seeded database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from sqlalchemy import select

from actions import common, handoff
from actions.closing import ActionCheckClosure
from actions.handoff import (
    ActionHandleFallback,
    ActionLeaveMessage,
    ActionRequestHuman,
    ValidateCallbackForm,
)
from bot.db import models as m
from bot.db.session import session_scope
from tests.actions.conftest import make_tracker, run_action, seed_day
from tests.rendering import domain, fragment, params, reply, said

pytestmark = pytest.mark.usefixtures("action_db")


@pytest.fixture
def open_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_SERVICE_HOURS", "00:00-00:00")  # round the clock
    common.settings.cache_clear()


@pytest.fixture
def closed_hours(monkeypatch: pytest.MonkeyPatch) -> str:
    """A one-hour window that starts two hours from now (business time), so it is closed now."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    window = f"{now + timedelta(hours=2):%H:%M}-{now + timedelta(hours=3):%H:%M}"
    monkeypatch.setenv("BOT_SERVICE_HOURS", window)
    common.settings.cache_clear()
    return window


def user(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}, "entities": []}}


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text}


def conversation(sender: str, events: list[dict[str, Any]], slots: dict[str, Any] | None = None) -> Tracker:
    latest = next(e for e in reversed(events) if e["event"] == "user")
    message = {"text": latest["text"], **latest["parse_data"]}
    return Tracker(sender, slots or {}, message, events, False, None, {}, "rest")


def tickets(factory) -> list[m.HandoffTicket]:
    with session_scope(factory) as s:
        return list(s.execute(select(m.HandoffTicket).order_by(m.HandoffTicket.id)).scalars())


BALANCE_CHAT = [
    user("借呗能注销吗", "close_account"),
    bot("借呗现在还不能注销，需要先处理下面这些："),
    user("转人工", "request_human"),
]


@pytest.mark.usefixtures("open_hours")
async def test_request_human_queues_a_ticket_with_a_summary_and_pauses(factory) -> None:
    messages, events = await run_action(ActionRequestHuman(clock=seed_day), conversation("demo_balance", BALANCE_CHAT))
    assert [e["event"] for e in events] == ["slot", "pause", "action"] and events[2]["name"] == "action_listen"
    assert events[0] == {"event": "slot", "timestamp": None, "name": "journey_question", "value": None}
    assert said(messages) == ["utter_handoff_queued", "custom"]
    assert params(messages[0]) == {"position": "1", "wait_minutes": "5"}
    (ticket,) = tickets(factory)
    assert messages[1]["custom"] == {"handoff": {"ticket_id": ticket.id, "position": 1, "wait_minutes": 5}}
    assert (ticket.kind, ticket.status, ticket.reason, ticket.customer_id) == (
        "live",
        "queued",
        "requested",
        "demo_balance",
    )
    summary = ticket.summary
    assert summary["customer"]["phone_masked"] == "138****2222"
    assert [p["owed"] for p in summary["products"]] == ["¥1,234.50", "¥3,256.80"]
    assert summary["intents"] == ["close_account", "request_human"]
    assert summary["bot_explained"] == ["借呗现在还不能注销，需要先处理下面这些："]

    # A second customer waits behind the first.
    messages, _ = await run_action(
        ActionRequestHuman(clock=seed_day), conversation("demo_clean", [user("人工", "request_human")])
    )
    assert params(reply(messages, "utter_handoff_queued")) == {"position": "2", "wait_minutes": "10"}


@pytest.mark.usefixtures("open_hours")
async def test_asking_again_does_not_open_a_second_ticket(factory) -> None:
    await run_action(ActionRequestHuman(clock=seed_day), conversation("demo_balance", BALANCE_CHAT))
    await run_action(
        ActionRequestHuman(clock=seed_day),
        conversation("demo_balance", [*BALANCE_CHAT, user("人工！！！", "request_human")]),
    )
    assert len(tickets(factory)) == 1


@pytest.mark.usefixtures("open_hours")
@pytest.mark.parametrize(
    ("sender", "text", "reason"),
    [
        ("demo_balance", "我要投诉 你们的花呗不让我关", "complaint"),
        ("demo_clean", "我的账户被盗用了 要找人工", "suspected_fraud"),
        ("demo_frozen", "人工客服", "frozen_by_platform"),
    ],
)
async def test_reason_recorded(factory, sender: str, text: str, reason: str) -> None:
    await run_action(ActionRequestHuman(clock=seed_day), conversation(sender, [user(text, "request_human")]))
    assert tickets(factory)[0].reason == reason


async def test_unknown_identity_is_still_handed_over(factory, open_hours, monkeypatch) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "false")
    common.settings.cache_clear()
    _, events = await run_action(
        ActionRequestHuman(clock=seed_day), conversation("web-visitor-1", [user("转人工", "request_human")])
    )
    assert events[1]["event"] == "pause"
    (ticket,) = tickets(factory)
    assert ticket.customer_id is None and ticket.summary["customer"] is None


@pytest.mark.usefixtures("open_hours")
async def test_fallbacks_before_a_hand_back_do_not_count(factory) -> None:
    events = [user("??", "nlu_fallback"), {"event": "pause"}, user("!!", "nlu_fallback"), {"event": "resume"}]
    messages, _ = await run_action(
        ActionHandleFallback(clock=seed_day), conversation("demo_clean", [*events, user("阿巴", "nlu_fallback")])
    )
    assert [m["response"] for m in messages] == ["utter_default"]
    assert tickets(factory) == []


@pytest.mark.usefixtures("open_hours")
async def test_one_fallback_asks_to_rephrase_two_hand_over(factory) -> None:
    once = [user("你好", "greet"), bot("你好"), user("阿巴阿巴", "nlu_fallback")]
    messages, events = await run_action(ActionHandleFallback(clock=seed_day), conversation("demo_clean", once))
    assert [m["response"] for m in messages] == ["utter_default"] and events == []
    assert tickets(factory) == []

    twice = [*once, bot("抱歉，我没太看懂。"), user("嗯嗯嗯嗯", "nlu_fallback")]
    messages, events = await run_action(ActionHandleFallback(clock=seed_day), conversation("demo_clean", twice))
    assert messages[0]["response"] == "utter_handoff_fallback_queued" and events[1]["event"] == "pause"
    assert tickets(factory)[0].reason == "repeated_fallback"


def unsure(text: str, *ranking: tuple[str, float], **entities: str) -> dict[str, Any]:
    """A user message the NLU (JourneyGate) turned into nlu_fallback, its readings kept under it."""
    ranked = [{"name": "nlu_fallback", "confidence": ranking[0][1]}]
    ranked += [{"name": name, "confidence": confidence} for name, confidence in ranking]
    found = [{"entity": name, "value": value} for name, value in entities.items()]
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": ranked[0], "intent_ranking": ranked, "entities": found},
    }


@pytest.mark.usefixtures("open_hours")
async def test_an_unclear_change_is_asked_about_not_started_nor_handed_over(factory) -> None:
    earlier = [user("阿巴阿巴", "nlu_fallback"), bot("抱歉，我没太看懂。")]
    message = unsure("自动还款扣的哪张卡的钱", ("unbind_service", 0.55), ("out_of_scope", 0.4), service="auto_repay")
    messages, events = await run_action(
        ActionHandleFallback(clock=seed_day), conversation("demo_clean", [*earlier, message])
    )
    assert said(messages) == ["utter_clarify_two"] and events == []
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/unbind_service{"service":"auto_repay"}',
        "/out_of_scope",
    ]
    assert [b["title"] for b in messages[0]["buttons"]] == ["关闭自动还款等关联服务", "问其他问题"]
    assert tickets(factory) == []


async def test_outside_hours_offers_a_message_instead(factory, closed_hours: str) -> None:
    messages, events = await run_action(ActionRequestHuman(clock=seed_day), conversation("demo_balance", BALANCE_CHAT))
    assert said(messages) == ["utter_handoff_closed_hours"] and params(messages[0]) == {"hours": closed_hours}
    assert events == [
        {"event": "slot", "timestamp": None, "name": "handoff_reason", "value": "requested"},
        {"event": "slot", "timestamp": None, "name": "journey_question", "value": None},  # a question left open ends
        {"event": "followup", "timestamp": None, "name": "callback_form"},
    ]
    assert tickets(factory) == []


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("138 1234 5678", "13812345678"), ("+86 139-0000-1111", "13900001111"), ("12345", None), ("😀", None)],
)
async def test_callback_number_is_validated(typed: str, stored: str | None) -> None:
    messages: list[dict[str, Any]] = []
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    result = await ValidateCallbackForm().validate_callback_phone(
        typed, dispatcher, make_tracker("demo_balance"), domain()
    )
    messages = dispatcher.messages
    expected: dict[str, Any] = {"callback_phone": stored, "callback_phone_tries": None if stored else 1.0}
    assert result == expected
    assert [m["response"] for m in messages] == ([] if stored else ["utter_handoff_phone_invalid"])


@pytest.mark.parametrize("typed", ["打我预留的号码就行", "就打我手机吧", "注册的那个手机号"])
async def test_the_number_on_file_is_taken_when_the_customer_asks_for_it(factory, typed: str) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    result = await ValidateCallbackForm().validate_callback_phone(
        typed, dispatcher, make_tracker("demo_balance"), domain()
    )
    assert result == {"callback_phone": "13800002222", "callback_phone_tries": None}
    assert dispatcher.messages == []


async def test_a_wrong_number_is_asked_again_at_most_twice_then_the_form_lets_go(factory, closed_hours: str) -> None:
    # The callback form once took every later message as a phone number until 11 digits came.
    from rasa_sdk.executor import CollectingDispatcher

    form = ValidateCallbackForm()
    said_each: list[list[str]] = []
    tries: float | None = None
    for typed in ("这个号码不方便", "12345", "不知道"):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker("demo_frozen", intent="inform", slots={"callback_phone_tries": tries})
        result = await form.validate_callback_phone(typed, dispatcher, tracker, domain())
        tries = result["callback_phone_tries"]
        said_each.append([m["response"] for m in dispatcher.messages])
        assert result["callback_phone"] is None
    assert said_each == [["utter_handoff_phone_invalid"], ["utter_handoff_phone_invalid_way_out"], []]
    slots = ["callback_message", "callback_phone"]
    done = make_tracker("demo_frozen", slots={"callback_phone_tries": tries})
    assert await form.required_slots(slots, CollectingDispatcher(), done, domain()) == []
    going = make_tracker("demo_frozen", slots={"callback_phone_tries": 2.0})
    assert await form.required_slots(slots, CollectingDispatcher(), going, domain()) == slots
    leave_slots = {"callback_message": "借呗为什么冻结了", "callback_phone_tries": tries}
    messages, events = await run_action(
        ActionLeaveMessage(clock=seed_day), conversation("demo_frozen", [user("不知道", "inform")], leave_slots)
    )
    assert said(messages) == ["utter_handoff_phone_gave_up"] and params(messages[0]) == {"hours": closed_hours}
    assert {e["name"] for e in events} >= {"callback_phone_tries", "callback_message"}
    assert tickets(factory) == []  # nothing filed without a number


async def test_a_number_inside_the_message_fills_the_phone_too() -> None:
    from rasa_sdk.executor import CollectingDispatcher

    result = await ValidateCallbackForm().validate_callback_message(
        "借呗冻结了想问原因，回电13812345678", CollectingDispatcher(), make_tracker("demo_frozen"), domain()
    )
    assert result == {"callback_message": "借呗冻结了想问原因，回电13812345678", "callback_phone": "13812345678"}


async def test_leaving_a_message_files_a_ticket_without_pausing(factory, closed_hours: str) -> None:
    slots = {
        "callback_message": "借呗为什么冻结了",
        "callback_phone": "13812345678",
        "handoff_reason": "frozen_by_platform",
    }
    events_in = [user("转人工", "request_human"), user("借呗为什么冻结了", "inform"), user("13812345678", "inform")]
    messages, events = await run_action(
        ActionLeaveMessage(clock=seed_day), conversation("demo_frozen", events_in, slots)
    )
    assert said(messages) == ["utter_handoff_message_left"]
    assert params(messages[0]) == {"phone_masked": "138****5678", "hours": closed_hours}
    assert all(e["event"] == "slot" and e["value"] is None for e in events)  # no pause: nobody is on duty
    (ticket,) = tickets(factory)
    assert (ticket.kind, ticket.status, ticket.reason) == ("message", "message_left", "frozen_by_platform")
    assert (ticket.message, ticket.callback_phone) == ("借呗为什么冻结了", "13812345678")
    assert "13812345678" not in repr(ticket.summary)  # the summary masks it


async def test_no_thanks_leaves_nothing(factory, closed_hours: str) -> None:
    messages, _ = await run_action(
        ActionLeaveMessage(clock=seed_day), conversation("demo_frozen", [user("不用了", "deny")])
    )
    assert [m["response"] for m in messages] == ["utter_handoff_message_declined"]
    assert tickets(factory) == []


async def test_frozen_line_offers_a_human_with_a_button() -> None:
    messages, _ = await run_action(
        ActionCheckClosure(clock=seed_day), make_tracker("demo_frozen", slots={"product": ["jiebei"]})
    )
    offer = next(m for m in messages if m["response"] == "utter_handoff_offer")
    assert offer["buttons"] == [{"title": fragment("utter_button_human"), "payload": "/request_human"}]


@pytest.mark.usefixtures("open_hours")
async def test_with_rabbitmq_out_of_reach_the_ticket_event_waits_in_the_outbox(factory, monkeypatch) -> None:
    monkeypatch.setenv("BOT_EVENTS_AMQP_URL", "amqp://guest:guest@127.0.0.1:1/")  # nothing listens there
    common.settings.cache_clear()
    messages, _ = await run_action(ActionRequestHuman(clock=seed_day), conversation("demo_balance", BALANCE_CHAT))
    assert said(messages) == ["utter_handoff_queued", "custom"]  # the customer is queued all the same
    assert handoff.sending  # the answer did not wait for RabbitMQ
    await asyncio.gather(*handoff.sending)
    (ticket,) = tickets(factory)
    with session_scope(factory) as s:
        (row,) = s.execute(select(m.HandoffEventOutbox)).scalars()
        assert (row.body["event"], row.body["ticket"]["id"], row.attempts) == ("ticket_created", ticket.id, 1)


@pytest.mark.usefixtures("open_hours")
async def test_with_events_off_nothing_is_kept_for_them(factory) -> None:
    await run_action(ActionRequestHuman(clock=seed_day), conversation("demo_balance", BALANCE_CHAT))
    assert len(tickets(factory)) == 1
    with session_scope(factory) as s:
        assert list(s.execute(select(m.HandoffEventOutbox)).scalars()) == []
