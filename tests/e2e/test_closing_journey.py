"""The closing journey end to end: REST channel, both servers, replies and database state."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db import models as m
from bot.db.session import session_scope
from tests.e2e.conftest import last_code
from tests.factories import stored_customer

pytestmark = pytest.mark.e2e


def state(db: Any, customer: str) -> dict[str, Any]:
    """Everything a conversation could change for one customer."""
    with session_scope(db) as s:
        snapshot = stored_customer(s, customer)
        requests = s.execute(
            select(func.count()).select_from(m.ServiceRequest).where(m.ServiceRequest.customer_id == customer)
        ).scalar_one()
        return {
            "statuses": {a.product.id: a.status for a in snapshot.accounts},
            "services": sum(len(a.active_services) for a in snapshot.accounts),
            "requests": requests,
        }


def wrong_code(right: str) -> str:
    return "000000" if right != "000000" else "999999"


def test_eligible_close_with_confirmation_and_code(chat, db, outbox) -> None:
    c = chat("demo_bound")
    reply = c.say('/close_account{"product":"huabei"}')
    assert "符合关闭条件" in reply and "确认要关闭花呗吗" in reply
    assert "免密支付（滴滴出行）" in reply and "借呗是单独的额度，一般不受影响" in reply
    assert "不会因为关闭而取消" in reply
    assert state(db, "demo_bound")["statuses"]["huabei"] == "active"
    assert "尾号 0000" in c.say("/affirm")
    assert state(db, "demo_bound")["statuses"]["huabei"] == "active"  # nothing until the code
    reply = c.say(last_code(outbox, "demo_bound"))
    assert "花呗已经关闭" in reply and "仍在支付账户上" in reply
    after = state(db, "demo_bound")
    assert after["statuses"] == {"huabei": "closed", "jiebei": "active"} and after["services"] == 3


def test_wrong_code_then_right_code(chat, db, outbox) -> None:
    c = chat("demo_clean")
    c.say('/close_account{"product":"huabei"}')
    c.say("/affirm")
    right = last_code(outbox, "demo_clean")
    assert "还可以再试 2 次" in c.say(wrong_code(right))
    assert state(db, "demo_clean")["statuses"]["huabei"] == "active"
    assert "已经关闭" in c.say(f"验证码 {right}")
    assert state(db, "demo_clean")["statuses"]["huabei"] == "closed"


def test_three_wrong_codes_stop_the_closure(chat, db, outbox) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    c.say('/close_account{"product":"jiebei"}')
    c.say("/affirm")
    bad = wrong_code(last_code(outbox, "demo_clean"))
    c.say(bad)
    c.say(bad)
    reply = c.say(bad)
    assert "错误次数太多" in reply and "没有提交关闭申请" in reply
    assert state(db, "demo_clean") == before


def test_deny_at_confirmation_changes_nothing(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    c.say('/close_account{"product":"jiebei"}')
    assert "没有提交关闭申请" in c.say("/deny")
    assert state(db, "demo_clean") == before


def test_deny_while_the_code_is_awaited_changes_nothing(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    c.say('/close_account{"product":"huabei"}')
    c.say("/affirm")
    assert "没有提交关闭申请" in c.say("/deny")
    assert state(db, "demo_clean") == before


@pytest.mark.parametrize(
    ("customer", "message", "facts"),
    [
        ("demo_balance", '/close_account{"product":"jiebei"}', ["¥3,256.80"]),
        ("demo_balance", '/close_account{"product":"huabei"}', ["¥1,234.50"]),
        ("demo_overdue", '/close_account{"product":"huabei"}', ["逾期", "¥862.40"]),
        ("demo_instalment", '/close_account{"product":"jiebei"}', ["还剩 5 期", "¥4,250.00", "提前一次性还清"]),
        ("demo_refund", '/close_account{"product":"huabei"}', ["退款 ¥1,299.00", "¥89.90"]),
        ("demo_frozen", '/close_account{"product":"jiebei"}', ["被平台冻结", "人工客服"]),
        ("demo_closed", '/close_account{"product":"huabei"}', ["已经在"]),
    ],
)
def test_each_blocker_is_explained_and_nothing_changes(chat, db, customer, message, facts) -> None:
    before = state(db, customer)
    reply = chat(customer).say(message)
    for fact in facts:
        assert fact in reply
    assert "确认要关闭" not in reply
    assert state(db, customer) == before


def test_unknown_product(chat, db) -> None:
    before = state(db, "demo_clean")
    reply = chat("demo_clean").say('/close_account{"external_product":"京东白条"}')
    assert "不是我们平台的产品" in reply and "花呗、借呗" in reply
    assert state(db, "demo_clean") == before


def test_both_products(chat, db, outbox) -> None:
    c = chat("demo_clean")
    reply = c.say('/close_account{"product":["huabei","jiebei"]}')
    assert "确认要关闭花呗和借呗吗" in reply
    c.say("/affirm")
    reply = c.say(last_code(outbox, "demo_clean"))
    assert "花呗已经关闭" in reply and "借呗的关闭申请已提交" in reply and "3 个工作日" in reply
    assert state(db, "demo_clean")["statuses"] == {"huabei": "closed", "jiebei": "pending_closure"}


def test_digression_to_credit_impact_and_back(chat, db, outbox) -> None:
    c = chat("demo_clean")
    c.say('/close_account{"product":"huabei"}')
    reply = c.say("关掉会不会影响我的信用")  # training-style: the topic is read from the words
    assert "不算不良记录" in reply and "确认要关闭花呗吗" in reply
    c.say("/affirm")
    assert "已经关闭" in c.say(last_code(outbox, "demo_clean"))


def test_switching_product_mid_flow(chat, db) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    c.say("/close_account")
    reply = c.say('/inform{"product":"jiebei"}')
    assert "¥3,256.80" in reply
    assert state(db, "demo_balance") == before


def test_status_after_submission_and_withdrawal(chat, db, outbox) -> None:
    c = chat("demo_clean")
    c.say('/close_account{"product":"jiebei"}')
    c.say("/affirm")
    c.say(last_code(outbox, "demo_clean"))
    assert "正在审核中" in c.say("/check_request_status")
    reply = c.say("/cancel_request")
    assert "确认撤回借呗关闭申请" in reply
    assert state(db, "demo_clean")["statuses"]["jiebei"] == "pending_closure"  # not before confirming
    assert "已撤回" in c.say("/affirm")
    assert state(db, "demo_clean")["statuses"]["jiebei"] == "active"
    assert "已撤回" in c.say("/check_request_status")


def test_duplicate_request_is_not_created(chat, db, outbox) -> None:
    c = chat("demo_clean")
    c.say('/close_account{"product":"jiebei"}')
    c.say("/affirm")
    c.say(last_code(outbox, "demo_clean"))
    requests = state(db, "demo_clean")["requests"]
    reply = c.say('/close_account{"product":"jiebei"}')
    assert "已经提交过关闭申请" in reply and "不用重复提交" in reply
    assert state(db, "demo_clean")["requests"] == requests


def test_withdraw_with_nothing_pending(chat) -> None:
    assert "没有正在审核中的申请" in chat("demo_clean").say("/cancel_request")


def test_new_session_does_not_resume_a_half_finished_closure(chat, db) -> None:
    c = chat("demo_clean")
    c.say('/close_account{"product":"huabei"}')
    c.send("/session_start")  # what a returning user gets after the session expired
    reply = c.say("/affirm")
    assert "尾号" not in reply  # no code is sent for a confirmation asked in an earlier session
    assert state(db, "demo_clean")["statuses"]["huabei"] == "active"


def test_typed_both_answers_which_product(chat, db, outbox) -> None:
    c = chat("demo_clean")
    assert "哪" in c.say("/close_account")
    reply = c.say("两个都")
    assert "确认要关闭花呗和借呗吗" in reply
    assert state(db, "demo_clean")["statuses"] == {"huabei": "active", "jiebei": "active"}
