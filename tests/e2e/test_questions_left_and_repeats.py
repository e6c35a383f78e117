"""Issue 12.2/12.6 end to end: the certificate's product question holds, a question walked away from is gone,
and a block is never sent twice word for word (REST channel, both servers, the database).

Everything is typed the way people type on a phone (no punctuation, run-on words). Every conversation checks
the database afterwards: a certificate only when one was asked for and chosen, nothing else changed.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.db import models as m
from bot.db.session import session_scope
from tests.e2e.conftest import Servers, tracker_events
from tests.e2e.test_conversation_holds import state, text_of, tickets
from tests.e2e.test_people_conversations import leave_queue

pytestmark = pytest.mark.e2e

CREDIT = "不算不良记录"  # the closing credit-report answer (bot/credit/credit.yml: closing_not_negative)
BACK = "回到刚才的问题"
WHICH_CERTIFICATE = "要开哪个产品的结清证明"
HOW_LONG = "想暂停多久"
HUMAN = "转人工"


def certificates(db: sessionmaker, customer: str) -> list[str]:
    with session_scope(db) as s:
        stmt = select(m.SettlementCertificate).where(m.SettlementCertificate.customer_id == customer)
        return [c.product_id for c in s.execute(stmt).scalars()]


def waiting_question(running: Servers, conversation_id: str) -> Any:
    """The `journey_question` slot's latest value in the conversation (None when cleared or never set)."""
    values = [
        e.get("value")
        for e in tracker_events(running, conversation_id)
        if e["event"] == "slot" and e.get("name") == "journey_question"
    ]
    return values[-1] if values else None


def human_offered(replies: list[dict[str, Any]]) -> bool:
    return any(b["payload"] == "/request_human" for r in replies for b in r.get("buttons", []))


# ── 1. the certificate's "which product?" survives a side question ──────────


def test_which_certificate_survives_a_credit_question_then_the_typed_product_issues_it(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    assert WHICH_CERTIFICATE in c.say("帮我开下结清证明")
    reply = c.say("注销了会影响征信吗")
    assert CREDIT in reply and BACK in reply and WHICH_CERTIFICATE in reply
    assert reply.count(WHICH_CERTIFICATE) == 1  # asked again once, briefly
    assert certificates(db, "demo_clean") == []
    reply = c.say("借呗的")
    assert "借呗的结清证明开好了" in reply and "花呗的结清证明" not in reply
    assert certificates(db, "demo_clean") == ["jiebei"]
    after = state(db, "demo_clean")  # a certificate changes no account (issuing it is audited)
    assert all(before[k] == after[k] for k in ("accounts", "services", "requests"))


def test_the_certificate_question_holds_through_two_side_questions(chat, db) -> None:
    c = chat("demo_clean")
    assert WHICH_CERTIFICATE in c.say("我要结清证明")
    assert WHICH_CERTIFICATE in c.say("这个会上征信吗")
    assert WHICH_CERTIFICATE in c.say("我的申请进度怎么样")
    assert "花呗的结清证明开好了" in c.say("花呗吧")
    assert certificates(db, "demo_clean") == ["huabei"]


def test_only_a_no_ends_the_certificate_question(chat, db, running) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    assert WHICH_CERTIFICATE in c.say("开个结清证明")
    assert WHICH_CERTIFICATE in c.say("开证明影响征信不")
    assert "没有做任何更改" in c.say("不要了")
    assert waiting_question(running, "demo_clean") is None
    reply = c.say("关花呗对征信有影响吗")
    assert CREDIT in reply and BACK not in reply and WHICH_CERTIFICATE not in reply
    assert certificates(db, "demo_clean") == [] and state(db, "demo_clean") == before


# ── 2. a question the customer walked away from is not asked again ──────────


def test_a_complaint_walks_away_from_the_pause_length(chat, db, running) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    assert HOW_LONG in c.say("花呗先停一段时间")
    assert "很抱歉给您带来" in c.say("你们催收电话一天打十几个 烦死了")
    assert waiting_question(running, "demo_clean") is None
    reply = c.say("关了花呗影响征信吗")
    assert CREDIT in reply and BACK not in reply and HOW_LONG not in reply
    assert state(db, "demo_clean") == before and tickets(db, "demo_clean") == []


def test_saying_goodbye_walks_away_from_the_pause_length(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    assert HOW_LONG in c.say("想暂停花呗")
    c.say("拜拜")
    reply = c.say("关了花呗影响征信吗")
    assert CREDIT in reply and BACK not in reply and HOW_LONG not in reply
    assert state(db, "demo_clean") == before


def test_a_handoff_clears_the_limit_question(chat, db, running) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    assert "想调到多少" in c.say("花呗额度调低点")
    assert "正在为您转接人工客服" in c.say("转人工")
    assert waiting_question(running, "demo_clean") is None
    assert [t.status for t in tickets(db, "demo_clean")] == ["queued"]
    leave_queue(db, "demo_clean")
    assert all(before[k] == state(db, "demo_clean")[k] for k in ("accounts", "services", "requests"))


def test_a_new_request_replaces_the_pause_length_question(chat, db, running) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    assert HOW_LONG in c.say("想暂停花呗")
    assert "想调到多少" in c.say("算了 花呗额度调低点吧")
    reply = c.say("注销了会影响征信吗")
    assert CREDIT in reply and HOW_LONG not in reply and "想调到多少" in reply  # the newer question is the one kept
    assert state(db, "demo_clean") == before


# ── 3. no block twice, word for word ──────────────────────────────────────────


def test_i_repaid_long_ago_gets_the_records_point_not_the_block_again(chat, db) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    first = c.say("借呗能注销吗")
    assert "3,256.80" in first
    replies = c.send("我早就还清了 为什么借呗还关不了")
    reply = text_of(replies)
    assert reply != first and len(reply) < len(first)
    assert "3,256.80" not in reply or "还过" in reply
    assert human_offered(replies)
    assert state(db, "demo_balance") == before


@pytest.mark.parametrize(
    ("question", "push_back"),
    [("借呗怎么用不了了", "借呗还是用不了啊"), ("我没关过 借呗怎么就用不了了", "我没关过啊")],
    ids=["still-not-working", "i-never-closed-it"],
)
def test_pushing_back_on_the_freeze_explanation_gets_a_short_answer_and_a_person(
    chat, db, question: str, push_back: str
) -> None:
    before = state(db, "demo_frozen")
    c = chat("demo_frozen")
    first = c.say(question)
    assert "被平台冻结" in first
    replies = c.send(push_back)
    reply = text_of(replies)
    assert reply != first and "被平台冻结" not in reply
    assert HUMAN in reply and human_offered(replies)
    assert state(db, "demo_frozen") == before and tickets(db, "demo_frozen") == []


# ── 5. a walk through issue 12's parts in new words ───────────────────────────


def test_walk_follow_ups_lean_on_the_last_turn(chat, db) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    assert "1,234.50" in c.say("花呗这个月要还多少")
    assert "3,256.80" in c.say("那借呗呢")
    assert state(db, "demo_balance") == before


def test_walk_a_side_question_inside_the_limit_question_then_a_change_of_mind(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    assert "想调到多少" in c.say("借呗额度帮我调低点")
    reply = c.say("调低了会影响征信吗")
    assert BACK in reply and "想调到多少" in reply
    assert "确认把借呗的额度调到" in c.say("调到5000吧")
    assert "没有做任何更改" in c.say("算了不调了")
    assert state(db, "demo_clean") == before


def test_walk_two_questions_in_one_message_both_answered_or_offered(chat, db) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    reply = c.say("借呗能注销吗 花呗这个月还多少")
    assert "借呗现在还不能关闭" in reply
    if "1,234.50" not in reply:
        assert "还有一个问题" in reply and "1,234.50" in c.say("好 你说")
    assert state(db, "demo_balance") == before


def test_walk_asking_for_a_person_in_other_words(chat, db) -> None:
    c = chat("demo_clean")
    assert "正在为您转接人工客服" in c.say("我要找个真人聊聊")
    assert [t.status for t in tickets(db, "demo_clean")] == ["queued"]
    leave_queue(db, "demo_clean")
