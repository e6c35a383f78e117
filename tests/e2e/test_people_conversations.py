"""Issue 12.5 end to end: people, not keywords (REST channel, both servers, the database).

Asking for a person in any words, theft signals, complaints and anger are typed as people type them: a rule
reads each of them from its words (bot/nlu/answers.py, bot/handoff/people.py), never from the model's
confidence. Punctuation runs and emoji must not change what a message means. Every conversation checks
the database: a pause only after a yes, tickets only when a person was asked for or a theft reported.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from bot.db import queries
from bot.db.session import session_scope
from tests.e2e.test_conversation_holds import button, state, text_of, tickets

pytestmark = pytest.mark.e2e

QUEUED = "正在为您转接人工客服"
SAFETY = "不要把密码、验证码告诉任何人"
CHECK_REPORT = "免费查一下自己的信用报告"
PAUSE_OFFER = "要先暂停再转人工吗"


def leave_queue(db: sessionmaker, conversation_id: str) -> None:
    """An agent takes and closes the open tickets, so the queue is as the other tests expect it."""
    with session_scope(db) as s:
        for ticket in tickets(db, conversation_id):
            if ticket.status == "queued":
                for action in ("claim", "close"):
                    queries.transition_ticket(s, ticket_id=ticket.id, action=action, agent="test-agent", channel="t")


def same_accounts(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Nothing changed for the customer's lines, services and requests (a handoff writes its own audit row)."""
    return all(before[k] == after[k] for k in ("accounts", "services", "requests"))


def reasons(db: sessionmaker, conversation_id: str) -> list[tuple[str, str]]:
    return [(t.status, t.reason) for t in tickets(db, conversation_id)]


@pytest.fixture
def people(chat: Any, db: sessionmaker) -> Any:
    """chat() that leaves the queue clean afterwards."""
    opened: list[str] = []

    def open_chat(customer: str) -> Any:
        opened.append(customer)
        return chat(customer)

    yield open_chat
    for customer in opened:
        leave_queue(db, customer)


# ── asking for a person in any words ─────────────────────────────────────────


def test_asking_for_a_real_person_goes_to_a_person(people, db) -> None:
    # Once: 「让个真人跟我说」 got 「我是智能助手，不是真人」.
    before = state(db, "demo_balance")
    reply = people("demo_balance").say("让个真人跟我说")
    assert QUEUED in reply and "不是真人" not in reply
    assert reasons(db, "demo_balance") == [("queued", "requested")]
    assert same_accounts(before, state(db, "demo_balance"))


def test_asking_for_a_person_while_confirming_a_closure_stops_it_and_hands_over(people, db) -> None:
    before = state(db, "demo_clean")
    c = people("demo_clean")
    assert "确认要关闭花呗吗" in c.say('/close_account{"product":"huabei"}')
    reply = c.say("真人客服在吗？？")
    assert "没有提交关闭申请" in reply and QUEUED in reply
    assert same_accounts(before, state(db, "demo_clean")) and reasons(db, "demo_clean") == [("queued", "requested")]


def test_asking_for_a_person_while_the_length_is_asked_hands_over(people, db) -> None:
    before = state(db, "demo_balance")
    c = people("demo_balance")
    c.say('/pause_credit{"product":"huabei"}')
    assert QUEUED in c.say("找个活人来")
    assert same_accounts(before, state(db, "demo_balance"))


# ── account theft ────────────────────────────────────────────────────────────


def test_a_theft_signal_gets_safety_advice_and_the_pause_offer_then_a_person(people, db) -> None:
    # Once: 「是不是被盗号了」 got the same five-line explanation as before.
    before = state(db, "demo_clean")
    c = people("demo_clean")
    reply = c.say("是不是被盗号了？？？")
    assert SAFETY in reply and CHECK_REPORT in reply and PAUSE_OFFER in reply and "花呗和借呗" in reply
    assert state(db, "demo_clean") == before and tickets(db, "demo_clean") == []  # nothing until the answer
    assert QUEUED in c.say("不用")
    assert same_accounts(before, state(db, "demo_clean"))  # no pause without a yes
    assert reasons(db, "demo_clean") == [("queued", "suspected_fraud")]


def test_yes_to_the_pause_offer_pauses_the_open_lines_at_once_then_a_person(people, db) -> None:
    c = people("demo_clean")
    assert PAUSE_OFFER in c.say("我的花呗被盗用了😡😡")
    reply = c.say("好的")
    assert reply.count("已经暂停") == 2 and QUEUED in reply
    accounts = state(db, "demo_clean")["accounts"]
    assert {p: a[0] for p, a in accounts.items()} == {"huabei": "paused", "jiebei": "paused"}
    assert reasons(db, "demo_clean") == [("queued", "suspected_fraud")]


def test_the_pause_button_does_the_same(people, db) -> None:
    c = people("demo_balance")
    replies = c.send("不是我本人操作的")
    assert SAFETY in text_of(replies)
    reply = c.say(button(replies, "先暂停")["payload"])
    assert "已经暂停" in reply and QUEUED in reply
    assert all(a[0] == "paused" for a in state(db, "demo_balance")["accounts"].values())


def test_a_theft_signal_inside_a_closure_confirmation_stops_the_closure(people, db) -> None:
    before = state(db, "demo_clean")
    c = people("demo_clean")
    c.say('/close_account{"product":"huabei"}')
    reply = c.say("等等 这不是我本人操作的")
    assert "刚才的办理先停下了" in reply and SAFETY in reply and PAUSE_OFFER in reply
    assert QUEUED in c.say("算了")
    assert same_accounts(before, state(db, "demo_clean"))
    assert reasons(db, "demo_clean") == [("queued", "suspected_fraud")]


def test_i_never_closed_it_about_a_closure_on_record_is_a_theft_signal(people, db) -> None:
    # demo_closed's 花呗 was closed at a request in this customer's name.
    before = state(db, "demo_closed")
    c = people("demo_closed")
    reply = c.say("我没关过啊")
    assert SAFETY in reply and PAUSE_OFFER in reply and "借呗" in reply
    assert QUEUED in c.say("/deny")
    assert same_accounts(before, state(db, "demo_closed"))
    assert reasons(db, "demo_closed") == [("queued", "suspected_fraud")]


def test_i_never_closed_it_about_a_platform_freeze_explains_the_freeze(people, db) -> None:
    before = state(db, "demo_frozen")
    reply = people("demo_frozen").say("我没关过 怎么就用不了了")
    assert "被平台冻结" in reply and SAFETY not in reply and PAUSE_OFFER not in reply
    assert state(db, "demo_frozen") == before and tickets(db, "demo_frozen") == []


# ── complaints and anger ─────────────────────────────────────────────────────


def test_an_angry_complaint_about_collection_calls_is_acknowledged_with_the_rules_and_a_person(people, db) -> None:
    # Once: an angry complaint about collection calls got the out-of-scope menu.
    before = state(db, "demo_overdue")
    c = people("demo_overdue")
    replies = c.send("你们催收天天打电话骚扰我家人 太过分了！！！")
    reply = text_of(replies)
    assert "很抱歉" in reply and "不得向与债务无关的第三人催收" in reply and "12378" in reply
    assert "暂时帮不上忙" not in reply and tickets(db, "demo_overdue") == []
    assert state(db, "demo_overdue") == before  # an offer only
    assert QUEUED in c.say(button(replies, "转人工")["payload"])
    assert same_accounts(before, state(db, "demo_overdue"))


def test_anger_without_a_request_is_acknowledged_not_misread(people, db) -> None:
    before = state(db, "demo_balance")
    c = people("demo_balance")
    reply = c.say("什么破服务 垃圾😡")
    assert "很抱歉" in reply and "12378" in reply and "转人工" in reply
    assert tickets(db, "demo_balance") == [] and state(db, "demo_balance") == before


def test_i_want_to_complain_gets_an_apology_and_the_channels_before_the_person(people, db) -> None:
    reply = people("demo_balance").say("我要投诉你们客服")
    assert "很抱歉" in reply and "12378" in reply and QUEUED in reply
    assert reasons(db, "demo_balance") == [("queued", "complaint")]


# ── punctuation runs and emoji never change the reading ──────────────────────


@pytest.mark.parametrize(
    ("plain", "noisy"),
    [("借呗能注销吗", "借呗能注销吗？？？"), ("关闭花呗", "关闭花呗！！！😡")],
)
def test_punctuation_and_emoji_do_not_change_the_answer(people, db, plain: str, noisy: str) -> None:
    before = state(db, "demo_balance")
    first = people("demo_balance").say(plain)
    second = people("demo_balance").say(noisy)
    assert first == second and ("¥3,256.80" in first or "¥1,234.50" in first)
    assert "转接人工" not in second and tickets(db, "demo_balance") == []
    assert state(db, "demo_balance") == before


def test_agreement_shouted_is_still_agreement(people, db, outbox) -> None:
    before = state(db, "demo_clean")
    c = people("demo_clean")
    assert "确认要关闭花呗吗" in c.say('/close_account{"product":"huabei"}')
    reply = c.say("行！！！ 就这么办😤😤")
    assert "验证码已发送到您尾号 1111" in reply and "很抱歉" not in reply and QUEUED not in reply
    assert "没有提交关闭申请" in c.say("算了。。。")
    assert state(db, "demo_clean") == before and tickets(db, "demo_clean") == []
