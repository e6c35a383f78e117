"""Credit questions through the action: each topic asked is answered, with the customer's own accounts."""

from __future__ import annotations

import pytest

from actions.credit import ActionExplainCreditImpact
from tests.actions.conftest import make_tracker, run_action, seed_day
from tests.rendering import said

pytestmark = pytest.mark.usefixtures("action_db")


async def ask(customer: str, text: str) -> list[str]:
    tracker = make_tracker(customer, intent="ask_credit_impact", text=text)
    messages, events = await run_action(ActionExplainCreditImpact(clock=seed_day), tracker)
    assert events == []
    return said(messages)


async def test_closing_both_lines_hears_the_total_limit() -> None:
    assert await ask("demo_clean", "关掉会不会影响我的信用") == [
        "fact:closing_not_negative",
        "fact:history_kept",
        "utter_credit_personal_no_overdue",
        "utter_credit_personal_total_limit",
        "fact:free_reports",
    ]


async def test_a_business_loan_question_does_not() -> None:
    answer = await ask("demo_clean", "我开公司要贷款，关借呗会不会对贷款好一点")
    assert answer == ["fact:no_business_loan_promise", "fact:free_reports"]


async def test_two_topics_are_both_answered() -> None:
    answer = await ask("demo_clean", "关了借贝芝麻分会掉吗")
    assert answer[:3] == ["fact:closing_not_negative", "fact:history_kept", "fact:zhima_not_credit_report"]


async def test_what_the_report_shows() -> None:
    assert await ask("demo_clean", "征信上会显示我买了什么东西吗") == [
        "fact:report_shows_lender",
        "fact:reported_content",
        "fact:free_reports",
    ]
