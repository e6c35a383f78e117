"""Pause, resume/reopen, lower limit and unbind end to end: REST channel, both servers, replies and database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.formatting import cn_date
from bot.db import models as m
from bot.db.queries import load_requests
from bot.db.session import session_scope
from tests.e2e.conftest import business_today, last_code
from tests.factories import stored_customer

pytestmark = pytest.mark.e2e


def state(db: Any, customer: str) -> dict[str, Any]:
    """Everything these journeys could change for one customer, audit rows included."""
    with session_scope(db) as s:
        snapshot = stored_customer(s, customer)
        audit = s.execute(select(m.AuditEntry.id).where(m.AuditEntry.actor == f"customer:{customer}")).scalars().all()
        return {
            "accounts": {a.product.id: (a.status, a.paused_until, a.credit_limit) for a in snapshot.accounts},
            "services": sorted(
                (a.product.id, svc.service_type, svc.merchant) for a in snapshot.accounts for svc in a.active_services
            ),
            "requests": [(r.kind, r.status) for r in load_requests(s, customer)],
            "audit": len(audit),
        }


def yes_then_code(c: Any, db: Any, outbox: Any, customer: str) -> str:
    """确认, then the code from the SMS: the database must not change in between. Returns the reply to the code."""
    before = state(db, customer)
    reply = c.say("/affirm")
    assert "验证码已发送到您尾号" in reply and "请输入收到的 6 位验证码，验证后才会生效" in reply
    assert state(db, customer) == before  # a yes alone changes nothing
    return c.say(last_code(outbox, customer))


def test_pause_with_a_length_confirmed(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    reply = c.say('/pause_credit{"product":"huabei","duration":90}')
    until = business_today() + timedelta(days=90)
    assert (
        "不能再付款或借款" in reply and "¥8,000.00 的额度一般保留，平台仍可能调整" in reply and "不算不良记录" in reply
    )
    assert f"确认把花呗暂停 90 天（到{cn_date(until, today=business_today())}）吗" in reply
    assert state(db, "demo_clean") == before  # nothing before the yes
    assert "花呗已经暂停" in c.say("/affirm")
    after = state(db, "demo_clean")
    assert after["accounts"]["huabei"][:2] == ("paused", until) and after["accounts"]["jiebei"][0] == "active"
    assert after["requests"] == [("pause", "approved")] and after["audit"] > before["audit"]


def test_pause_without_a_length_asks_then_takes_the_answer(chat, db) -> None:
    c = chat("demo_clean")
    replies = c.send('/pause_credit{"product":"jiebei"}')
    assert "借呗想暂停多久" in "\n".join(r.get("text", "") for r in replies)
    half_a_year = next(b for r in replies for b in r.get("buttons", []) if b["title"] == "半年")
    assert "确认把借呗暂停 180 天" in c.say(half_a_year["payload"])
    c.say("/affirm")
    assert state(db, "demo_clean")["accounts"]["jiebei"][:2] == ("paused", business_today() + timedelta(days=180))


def test_vague_then_out_of_range_then_declined_changes_nothing(chat, db) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    assert "想暂停多久" in c.say('/pause_credit{"product":"huabei"}')
    reply = c.say('/inform{"duration":730}')
    assert "7 到 365 天之间" in reply and "730 天" in reply and "想暂停多久" in reply
    assert "确认把花呗暂停 60 天" in c.say('/inform{"duration":60}')
    assert "没有做任何更改" in c.say("/deny")
    assert state(db, "demo_balance") == before


def test_resume_early(chat, db) -> None:
    c = chat("demo_paused")
    reply = c.say('/reopen_account{"product":"huabei"}')
    assert "花呗暂停到" in reply and "确认现在恢复花呗吗" in reply
    assert state(db, "demo_paused")["accounts"]["huabei"][0] == "paused"
    assert "已经恢复" in c.say("/affirm")
    after = state(db, "demo_paused")
    assert after["accounts"]["huabei"][:2] == ("active", None) and ("resume", "approved") in after["requests"]


def test_reopen_inside_the_cool_down_says_when(chat, db) -> None:
    before = state(db, "demo_recently_closed")
    reply = chat("demo_recently_closed").say('/reopen_account{"product":"jiebei"}')
    allowed = business_today() + timedelta(days=20)
    assert "关闭满 30 天后才能申请重新开通" in reply and cn_date(allowed, today=business_today()) in reply
    assert "还要等 20 天" in reply
    assert state(db, "demo_recently_closed") == before


def test_reopen_after_the_cool_down_creates_a_request(chat, db) -> None:
    c = chat("demo_closed")
    reply = c.say('/reopen_account{"product":"huabei"}')
    assert "现在可以申请重新开通" in reply and "要提交花呗的重新开通申请吗" in reply
    assert "重新开通申请已提交" in c.say("/affirm")
    after = state(db, "demo_closed")
    assert after["requests"][0] == ("reopen", "submitted") and after["accounts"]["huabei"][0] == "closed"
    assert "重新开通申请" in c.say("/check_request_status")


def test_frozen_line_is_explained_and_a_human_offered(chat, db) -> None:
    before = state(db, "demo_frozen")
    replies = chat("demo_frozen").send('/reopen_account{"product":"jiebei"}')
    text = "\n".join(r.get("text", "") for r in replies)
    assert "原因是平台的综合评估" in text and "我这里没法直接恢复" in text and "下一步" in text and "转人工" in text
    assert any(b["payload"] == "/request_human" for r in replies for b in r.get("buttons", []))
    assert state(db, "demo_frozen") == before


def test_unbind_one_named_by_merchant(chat, db, outbox) -> None:
    c = chat("demo_bound")
    reply = c.say("把滴滴的免密支付关了")
    assert (
        "付款时需要输入密码" in reply
        and "确认解绑花呗免密支付（滴滴出行）吗？确认后我会给您的手机发一个验证码" in reply
    )
    assert ("huabei", "password_free", "滴滴出行") in state(db, "demo_bound")["services"]
    assert "已解绑：花呗免密支付（滴滴出行）" in yes_then_code(c, db, outbox, "demo_bound")
    after = state(db, "demo_bound")
    assert ("huabei", "password_free", "滴滴出行") not in after["services"] and len(after["services"]) == 8
    assert "已经在" in c.say("把滴滴的免密支付关了")  # already unbound: answered, not repeated
    assert state(db, "demo_bound")["services"] == after["services"]


def test_unbind_several_at_once(chat, db, outbox) -> None:
    c = chat("demo_bound")
    reply = c.say('/unbind_service{"product":"huabei","service":["password_free","withholding"]}')
    assert "花呗免密支付（滴滴出行）" in reply and "花呗代扣协议（爱奇艺会员）" in reply
    yes_then_code(c, db, outbox, "demo_bound")
    services = state(db, "demo_bound")["services"]
    assert not any(kind in ("password_free", "withholding") for _, kind, _ in services) and len(services) == 7


def test_unbind_from_the_list_of_buttons(chat, db, outbox) -> None:
    c = chat("demo_bound")
    replies = c.send("/unbind_service")
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert len(payloads) == 9
    payload = next(p for p in payloads if "third_party_auth" in p)
    assert "确认解绑借呗第三方授权（优选商城）吗" in "\n".join(r.get("text", "") for r in c.send(payload))
    yes_then_code(c, db, outbox, "demo_bound")
    assert ("jiebei", "third_party_auth", "优选商城") not in state(db, "demo_bound")["services"]


def test_unbind_with_nothing_bound(chat, db) -> None:
    before = state(db, "demo_clean")
    reply = chat("demo_clean").say('/unbind_service{"service":"auto_repay"}')
    assert "没有绑定" in reply and "不需要解绑" in reply
    assert state(db, "demo_clean") == before


def test_unbind_auto_repay_declined_after_hearing_the_due_date(chat, db) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    reply = c.say('/unbind_service{"product":"huabei","service":"auto_repay"}')
    due = business_today() + timedelta(days=9)
    assert f"花呗下一笔是{cn_date(due, today=business_today())}到期的 ¥1,234.50" in reply and "自己还" in reply
    assert "没有做任何更改" in c.say("/deny")
    assert state(db, "demo_balance") == before


def test_digression_to_credit_impact_and_back(chat, db) -> None:
    c = chat("demo_clean")
    c.say('/pause_credit{"product":"huabei","duration":30}')
    reply = c.say("暂停使用会在征信上留记录吗")  # training-style: the topic is read from the words
    assert "不算不良记录" in reply and "确认把花呗暂停 30 天" in reply
    assert state(db, "demo_clean")["accounts"]["huabei"][0] == "active"
    assert "已经暂停" in c.say("/affirm")
    assert state(db, "demo_clean")["accounts"]["huabei"][0] == "paused"


def test_lower_limit_refused_below_used_then_confirmed(chat, db, outbox) -> None:
    c = chat("demo_balance")
    reply = c.say("能把我花贝额度降成一千吗？？")  # training-style: the amount is read from the words
    assert "不能低于已用的 ¥1,234.50" in reply
    assert "确认把花呗的额度调到 ¥2,000.00 吗" in c.say("那两千")
    assert state(db, "demo_balance")["accounts"]["huabei"][2] == 5000
    assert "额度已经调到 ¥2,000.00" in yes_then_code(c, db, outbox, "demo_balance")
    assert state(db, "demo_balance")["accounts"]["huabei"][2] == 2000


def test_auto_repay_unbind_waits_for_the_right_code(chat, db, outbox) -> None:
    before = state(db, "demo_balance")
    c = chat("demo_balance")
    assert "确认解绑花呗自动还款（余额宝）吗" in c.say('/unbind_service{"product":"huabei","service":"auto_repay"}')
    assert "尾号" in c.say("/affirm")
    right = last_code(outbox, "demo_balance")
    assert "验证码是 6 位数字" in c.say("/affirm")  # a second yes is not a code
    assert "验证码不对，还可以再试 2 次" in c.say("000000" if right != "000000" else "999999")
    assert state(db, "demo_balance") == before
    assert "已解绑：花呗自动还款（余额宝）" in c.say(f"验证码 {right}")
    assert ("huabei", "auto_repay", "余额宝") not in state(db, "demo_balance")["services"]


def test_no_while_the_limit_code_is_awaited_changes_nothing(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    assert "想调到多少" in c.say('/lower_limit{"product":"jiebei"}')
    assert "确认把借呗的额度调到 ¥2,000.00 吗" in c.say("那两千")
    assert "验证码已发送" in c.say("/affirm")
    assert "没有做任何更改" in c.say("/deny")
    assert state(db, "demo_clean") == before


def test_pausing_needs_no_code(chat, db, outbox) -> None:
    c = chat("demo_paused")
    c.say('/reopen_account{"product":"huabei"}')
    sent = outbox.read_text(encoding="utf-8") if outbox.exists() else ""
    assert "已经恢复" in c.say("/affirm")
    assert (outbox.read_text(encoding="utf-8") if outbox.exists() else "") == sent


def test_closing_offers_pausing_instead(chat, db) -> None:
    before = state(db, "demo_clean")
    c = chat("demo_clean")
    replies = c.send('/close_account{"product":"huabei"}')
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert '/pause_credit{"product":"huabei"}' in payloads and '/lower_limit{"product":"huabei"}' in payloads
    reply = "\n".join(r.get("text", "") for r in c.send('/pause_credit{"product": "huabei"}'))
    assert "没有提交关闭申请" in reply and "花呗想暂停多久" in reply
    assert state(db, "demo_clean") == before
