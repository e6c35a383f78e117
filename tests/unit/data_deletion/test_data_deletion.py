"""Personal data: explanation first, the personal scope, the offer, and what is said after confirming."""

from __future__ import annotations

from bot.core.catalog import DataRequestPolicy, load_data_request_policy
from bot.core.replies import FactUse, Reply
from bot.data_deletion.deletion import (
    SCOPE_ALL,
    SCOPE_UNUSED,
    DeletionAlreadyOpen,
    DeletionSubmitted,
    deletion_answer,
    deletion_scope,
    submission_replies,
)
from tests.factories import HUABEI, JIEBEI, TODAY, make_account, make_customer, request
from tests.unit.certificates.test_certificate_replies import text

POLICY = DataRequestPolicy(handling_working_days=15, review_levels=1, notify_by="sms")
LAW = [FactUse("deletion_after_closing"), FactUse("aml_retention"), FactUse("credit_data_separate")]


def replies(parts) -> list[Reply]:
    return [p for p in parts if isinstance(p, Reply)]


def test_policy_comes_from_the_catalog() -> None:
    assert load_data_request_policy() == POLICY


def test_unknown_customer_hears_the_law_and_gets_no_offer() -> None:
    answer = deletion_answer(None, [], POLICY, today=TODAY)
    assert answer.parts == LAW and answer.offer is False


def test_open_lines_limit_what_can_be_deleted_now() -> None:
    customer = make_customer(make_account(HUABEI), make_account(JIEBEI, account_id=2))
    answer = deletion_answer(customer, [], POLICY, today=TODAY)
    assert answer.parts[:3] == LAW and answer.offer is True
    said = text(replies(answer.parts))
    assert "您的花呗和借呗还在使用" in said and "15 个工作日内" in said
    assert deletion_scope(customer) == SCOPE_UNUSED


def test_all_lines_closed_can_delete_everything_the_law_does_not_keep() -> None:
    customer = make_customer(make_account(HUABEI, status="closed"))
    answer = deletion_answer(customer, [], POLICY, today=TODAY)
    assert "都已关闭" in text(replies(answer.parts)) and answer.offer
    assert deletion_scope(customer) == SCOPE_ALL
    assert deletion_scope(make_customer()) == SCOPE_ALL  # no lines at all


def test_an_open_request_is_not_offered_twice() -> None:
    pending = request(kind="data_deletion", status="submitted")
    answer = deletion_answer(make_customer(make_account()), [pending], POLICY, today=TODAY)
    assert answer.offer is False
    assert "您在11月20日提交的删除个人信息申请已提交，等待审核" in text(replies(answer.parts))
    assert deletion_answer(
        make_customer(make_account()), [request(kind="data_deletion", status="withdrawn")], POLICY, today=TODAY
    ).offer


def test_after_confirming_the_customer_hears_number_time_and_how_they_are_told() -> None:
    said = text(submission_replies(DeletionSubmitted(42, SCOPE_UNUSED, 15), phone_tail="1111", today=TODAY))
    assert "申请编号 42" in said and "15 个工作日内" in said and "尾号 1111 的手机" in said and "申请进度" in said
    assert "额度关闭后" in said
    no_phone = text(submission_replies(DeletionSubmitted(7, SCOPE_ALL, 15), phone_tail="", today=TODAY))
    assert "预留的联系方式" in no_phone and "匿名化" in no_phone
    again = text(submission_replies(DeletionAlreadyOpen(request(kind="data_deletion")), phone_tail="", today=TODAY))
    assert "不用重复提交" in again
