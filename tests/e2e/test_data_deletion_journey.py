"""Personal data end to end: explanation, the offer, a request only after confirmation, status and withdrawal."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.db import models as m
from bot.db.session import session_scope
from tests.e2e.conftest import last_code

pytestmark = pytest.mark.e2e
LAW = ["至少保存 10 年", "匿名化", "征信规则"]


def deletion_requests(db, customer: str) -> list[m.ServiceRequest]:
    with session_scope(db) as s:
        stmt = select(m.ServiceRequest).where(
            m.ServiceRequest.customer_id == customer, m.ServiceRequest.kind == "data_deletion"
        )
        return list(s.execute(stmt).scalars())


def last_audit_id(db) -> int:
    with session_scope(db) as s:
        return s.execute(select(func.coalesce(func.max(m.AuditEntry.id), 0))).scalar_one()


def audit(db, request_id: int, since: int) -> list[str]:
    """This test's audit rows for a request (the e2e database is shared and request ids are reused after re-seeding)."""
    with session_scope(db) as s:
        stmt = select(m.AuditEntry.action).where(
            m.AuditEntry.entity_type == "request", m.AuditEntry.entity_id == str(request_id), m.AuditEntry.id > since
        )
        return list(s.execute(stmt.order_by(m.AuditEntry.id)).scalars())


def test_a_question_is_answered_and_declining_the_offer_changes_nothing(chat, db) -> None:
    c = chat("demo_clean")
    reply = c.say("/ask_data_deletion")
    for fact in [*LAW, "您的花呗和借呗还在使用", "15 个工作日内", "要现在提交删除个人信息的申请吗"]:
        assert fact in reply, fact
    assert "没有提交删除申请" in c.say("/deny")
    assert deletion_requests(db, "demo_clean") == []


def test_confirmed_request_is_created_shown_and_withdrawn(chat, db, outbox) -> None:
    since = last_audit_id(db)
    c = chat("demo_closed")
    reply = c.say("/ask_data_deletion")
    assert "您的借呗还在使用" in reply and "要现在提交删除个人信息的申请吗？确认后我会给您的手机发一个验证码" in reply
    assert deletion_requests(db, "demo_closed") == []  # asking is not requesting
    reply = c.say("/affirm")  # the 提交申请 button
    assert "验证码已发送到您尾号 8888 的手机" in reply and "验证后才会提交申请" in reply
    assert deletion_requests(db, "demo_closed") == []  # nor is a yes without the code
    submitted = c.say(last_code(outbox, "demo_closed"))
    [request] = deletion_requests(db, "demo_closed")
    assert (request.status, request.details["scope"], request.details["open_products"]) == (
        "submitted",
        "not_needed_for_open_lines",
        ["jiebei"],
    )
    for fact in [f"申请编号 {request.id}", "15 个工作日内", "尾号 8888 的手机", "申请进度", "撤回申请"]:
        assert fact in submitted, fact
    assert audit(db, request.id, since) == ["request_data_deletion_submitted"]

    status = c.say("/check_request_status")
    assert "删除个人信息申请" in status and "已提交，等待审核" in status
    assert "不用重复提交" in c.say("/ask_data_deletion")
    assert len(deletion_requests(db, "demo_closed")) == 1

    assert "确认撤回删除个人信息申请" in c.say("/cancel_request")
    assert "已撤回" in c.say("/affirm")
    [request] = deletion_requests(db, "demo_closed")
    assert request.status == "withdrawn"
    assert audit(db, request.id, since) == ["request_data_deletion_submitted", "request_withdraw"]


@pytest.mark.parametrize(
    ("customer", "phone_tail", "open_lines"),
    [("demo_bound", "0000", "您的花呗和借呗还在使用"), ("demo_overdue", "3333", "您的花呗和借呗还在使用")],
)
def test_typed_confirmation_submits(chat, db, outbox, customer: str, phone_tail: str, open_lines: str) -> None:
    c = chat(customer)
    assert open_lines in c.say("我要求删除我的个人数据")
    assert f"尾号 {phone_tail}" in c.say("好的")
    assert deletion_requests(db, customer) == []
    reply = c.say(f"验证码是{last_code(outbox, customer)}")
    [request] = deletion_requests(db, customer)
    assert f"申请编号 {request.id}" in reply and f"尾号 {phone_tail} 的手机" in reply


def test_with_a_closure_also_pending_the_deletion_request_is_picked_by_its_button(chat, db, outbox) -> None:
    from bot.closing import submission as closure
    from tests.e2e.test_settlement_certificate import business_today

    with session_scope(db) as s:
        closure.submit_closure(s, customer_id="demo_clean", product_id="jiebei", channel="rest", today=business_today())
    c = chat("demo_clean")
    c.say("/ask_data_deletion")
    c.say("/affirm")
    c.say(last_code(outbox, "demo_clean"))
    [request] = deletion_requests(db, "demo_clean")
    [question] = c.send("/cancel_request")
    assert question["text"] == "您有几份申请在审核中，要撤回哪一份？"
    payloads = {b["title"].split("申请")[0]: b["payload"] for b in question["buttons"]}
    assert payloads["删除个人信息"] == '/cancel_request{"request_kind":"data_deletion"}'
    assert "确认撤回删除个人信息申请" in c.say(payloads["删除个人信息"])
    assert "已撤回" in c.say("/affirm")
    [request] = deletion_requests(db, "demo_clean")
    assert request.status == "withdrawn"
    with session_scope(db) as s:
        jiebei_closure = s.execute(
            select(m.ServiceRequest).where(
                m.ServiceRequest.customer_id == "demo_clean", m.ServiceRequest.kind == "close"
            )
        ).scalar_one()
        assert jiebei_closure.status == "under_review"  # the other request is untouched


def test_a_wrong_code_then_no_submits_nothing(chat, db, outbox) -> None:
    c = chat("demo_bound")
    c.say("/ask_data_deletion")
    c.say("/affirm")
    right = last_code(outbox, "demo_bound")
    assert "还可以再试 2 次" in c.say("000000" if right != "000000" else "999999")
    assert "没有提交删除申请" in c.say("/deny")
    assert deletion_requests(db, "demo_bound") == []
