"""Handoff through the REST channel with both servers up: tickets, pausing, outside hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import models as m
from bot.db import queries
from bot.db.session import session_scope
from tests.e2e.conftest import tracker_events

pytestmark = pytest.mark.e2e


def tickets(db, conversation_id: str) -> list[m.HandoffTicket]:
    with session_scope(db) as s:
        stmt = select(m.HandoffTicket).where(m.HandoffTicket.conversation_id == conversation_id)
        return list(s.execute(stmt.order_by(m.HandoffTicket.id)).scalars())


def test_request_human_creates_a_ticket_and_pauses_the_bot(chat, db, running) -> None:
    c = chat("demo_balance")
    assert "¥3,256.80" in c.say('/close_account{"product":"jiebei"}')
    reply = c.say("/request_human")
    assert "正在为您转接人工客服" in reply and "您现在排在第 1 位" in reply and "预计等待约 5 分钟" in reply
    (ticket,) = tickets(db, "demo_balance")
    assert (ticket.status, ticket.kind, ticket.reason) == ("queued", "live", "requested")
    assert "close_account" in ticket.summary["intents"]
    assert any("借呗现在还不能关闭" in t for t in ticket.summary["bot_explained"])

    # Paused: the bot no longer answers, but what the user writes is kept for the agent.
    assert c.send('/close_account{"product":"jiebei"}') == []
    events = tracker_events(running, "demo_balance")
    assert any(e["event"] == "pause" for e in events)
    last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
    assert events[last_user]["text"] == '/close_account{"product":"jiebei"}'
    assert not any(e["event"] in ("bot", "action") for e in events[last_user:])  # no action ran

    # Starting over (the widget's "new conversation") still works while paused.
    c.send("/restart")
    assert "¥3,256.80" in c.say('/close_account{"product":"jiebei"}')


def test_complaint_is_recorded_as_such(chat, db) -> None:
    c = chat("demo_refund")
    assert "转接人工客服" in c.say("我要投诉你们乱关我借呗")  # training-style: the reason is read from the words
    assert tickets(db, "demo_refund")[-1].reason == "complaint"


def test_two_fallbacks_in_a_row_hand_over(chat, db) -> None:
    c = chat("demo_clean")
    # "/nlu_fallback" is what the FallbackClassifier yields for text the NLU cannot place.
    assert "换个说法" in c.say("/nlu_fallback")
    assert tickets(db, "demo_clean") == []
    reply = c.say("/nlu_fallback")
    assert "连续两次没能理解" in reply and "转接人工客服" in reply
    assert tickets(db, "demo_clean")[-1].reason == "repeated_fallback"
    assert c.send("你好") == []


def test_frozen_line_offers_a_human_button(chat, db) -> None:
    c = chat("demo_frozen")
    replies = c.send("借呗能注销吗")
    offer = next(r for r in replies if r.get("buttons"))
    assert offer["buttons"] == [{"title": "转人工客服", "payload": "/request_human"}]
    assert "转接人工客服" in c.say(offer["buttons"][0]["payload"])
    assert tickets(db, "demo_frozen")[-1].reason == "frozen_by_platform"


def _closed_window() -> str:
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    return f"{now + timedelta(hours=2):%H:%M}-{now + timedelta(hours=3):%H:%M}"


def test_outside_hours_the_user_leaves_a_message(chat, db, action_settings) -> None:
    window = _closed_window()
    action_settings(BOT_SERVICE_HOURS=window)
    c = chat("demo_frozen")
    reply = c.say("/request_human")
    assert f"人工客服的服务时间是每天 {window}" in reply and "可以给客服留言" in reply
    assert "手机号码" in c.say("借呗为什么被冻结了，想请人核实一下")
    assert "号码好像不对" in c.say("12345")
    reply = c.say("138 1234 5678")
    assert "留言已收到" in reply and "138****5678" in reply and "13812345678" not in reply
    (ticket,) = tickets(db, "demo_frozen")
    assert (ticket.kind, ticket.status, ticket.reason) == ("message", "message_left", "frozen_by_platform")
    assert (ticket.message, ticket.callback_phone) == ("借呗为什么被冻结了，想请人核实一下", "13812345678")
    # Not paused: the bot still answers, with demo_frozen's own blockers.
    reply = c.say('/close_account{"product":"jiebei"}')
    assert "借呗现在还不能关闭" in reply and "被平台冻结" in reply and "¥3,090.00" in reply

    # 'No thanks' leaves nothing.
    c = chat("demo_balance")
    replies = c.send("/request_human")
    no_thanks = next(r for r in replies if r.get("buttons"))["buttons"][0]
    assert no_thanks["title"] == "不用了"
    assert "不留言了" in c.say(no_thanks["payload"])
    assert [t.kind for t in tickets(db, "demo_balance")] == []


@pytest.mark.parametrize(
    ("customer", "message", "reason"),
    [
        ("demo_past_overdue", "有人盗用我的身份开了借呗", "suspected_fraud"),
        ("demo_paused", "这笔借款不是我借的", "suspected_fraud"),
        ("demo_closed", "花呗有一笔交易我不认可", "dispute"),
    ],
)
def test_fraud_and_disputes_go_to_a_human_whatever_the_intent(chat, db, customer, message, reason) -> None:
    c = chat(customer)
    reply = c.say(message)
    if reason == "suspected_fraud":  # safety advice and the offer to pause the open lines first (issue 12.5)
        assert "不要把密码、验证码告诉任何人" in reply and "要先暂停再转人工吗" in reply
        reply = c.say("/deny")
    assert "正在为您转接人工客服" in reply
    ticket = tickets(db, customer)[-1]
    assert (ticket.status, ticket.reason) == ("queued", reason)
    # Leave the queue as the other tests expect it: an agent takes and closes the ticket.
    with session_scope(db) as s:
        for action in ("claim", "close"):
            queries.transition_ticket(s, ticket_id=ticket.id, action=action, agent="test-agent", channel="test")
