"""Conversations through the REST channel with both servers up (replies and database)."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from bot.db import models as m
from bot.db.session import session_scope

pytestmark = pytest.mark.e2e


def db_counts(db) -> tuple[int, int, int]:
    with session_scope(db) as s:
        return (
            s.execute(select(func.count()).select_from(m.AuditEntry)).scalar_one(),
            s.execute(select(func.count()).select_from(m.ServiceRequest)).scalar_one(),
            s.execute(
                select(func.count()).select_from(m.CreditAccount).where(m.CreditAccount.status == "active")
            ).scalar_one(),
        )


def test_demo_balance_asks_whether_jiebei_can_be_closed(chat, db) -> None:
    before = db_counts(db)
    reply = chat("demo_balance").say('/close_account{"product":"jiebei"}')
    assert "借呗现在还不能关闭" in reply
    assert "¥3,256.80" in reply
    assert db_counts(db) == before  # answering changes nothing


def test_typo_and_traditional_characters(chat) -> None:
    assert "花呗" in chat("demo_clean").say("我要关花被")
    assert "¥3,256.80" in chat("demo_balance").say("借唄能註銷嗎")


def test_clean_customer_is_told_it_is_eligible(chat) -> None:
    assert "符合关闭条件" in chat("demo_clean").say('/close_account{"product":"huabei"}')


def test_no_product_gets_buttons_for_own_products(chat) -> None:
    c = chat("demo_instalment")
    (ask,) = c.send("/close_account")
    assert [b["title"] for b in ask["buttons"]] == ["花呗", "借呗", "两个都看看"]
    reply = c.say(ask["buttons"][1]["payload"])
    assert "借款 ¥10,000，还剩 5 期未还，共 ¥4,250.00" in reply


def test_answering_the_product_question_in_words(chat) -> None:
    c = chat("demo_overdue")
    c.send("/close_account")
    reply = c.say("花呗")
    assert "逾期" in reply and "¥862.40" in reply


def test_other_companys_product(chat) -> None:
    reply = chat("demo_clean").say("微粒贷能在这注销吗")
    assert "不是我们平台的产品" in reply


def test_frozen_and_closed(chat) -> None:
    assert "被平台冻结" in chat("demo_frozen").say('/close_account{"product":"jiebei"}')
    assert "已经在" in chat("demo_closed").say('/close_account{"product":"huabei"}')


def test_request_status_lists_the_customers_requests(chat) -> None:
    reply = chat("demo_closed").say("/check_request_status")
    assert "花呗关闭申请" in reply and "已办理完成" in reply
    assert "没有提交过" in chat("demo_clean").say("/check_request_status")


def test_bad_input_gets_a_polite_answer(chat) -> None:
    c = chat("demo_clean")
    for message in ["😀😀😀", "a" * 1000, "'; DROP TABLE customers; --", "hello can i close my account"]:
        replies = c.send(message)
        assert replies and all(r.get("text") for r in replies), message
    # over the 1,000-character limit the channel answers itself (HTTP 413; tests/e2e/test_hostile_input.py)
    too_long = requests.post(c.url, json={"sender": c.sender, "message": "a" * 5000}, timeout=60)
    assert too_long.status_code == 413 and "消息太长了" in too_long.json()[0]["text"]


def test_unknown_sender_sees_no_account_data(chat) -> None:
    reply = chat("someone_else").say('/close_account{"product":"jiebei"}')
    assert "¥" not in reply and "没有查到" in reply
