"""Follow-up and push-back answers from account snapshots (bot/conversation/answers.py, push_back_answers.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from bot.conversation.answers import Facts, add_working_days, answer
from bot.conversation.context import Ask, Question, Subject
from bot.conversation.push_back import Done, PushBack
from bot.conversation.push_back_answers import push_back_answer
from bot.core.catalog import load_catalog
from bot.core.replies import FactUse, Part, Reply
from tests.factories import (
    HUABEI,
    JIEBEI,
    TODAY,
    bill,
    instalment,
    make_account,
    make_customer,
    order,
    request,
    service,
)


def facts(*accounts: Any, requests: tuple[Any, ...] = ()) -> Facts:
    return Facts(make_customer(*accounts), requests, load_catalog(), TODAY, 15)


def names(parts: list[Part]) -> list[str]:
    return [p.response if isinstance(p, Reply) else f"fact:{p.id}" for p in parts]


def params(parts: list[Part], response: str) -> dict[str, Any]:
    return next(p.params for p in parts if isinstance(p, Reply) and p.response == response)


def q(subject: Subject, *products: str, ask: Ask = Ask.SAME, journey: str | None = None, text: str = "") -> Question:
    return Question(subject, products, journey, text, ask)


def test_bill_says_amount_date_and_auto_repay() -> None:
    due = TODAY + timedelta(days=9)
    huabei = make_account(bills=(bill("1234.50", due),), services=(service("auto_repay"),))
    parts = answer([q(Subject.BILL, "huabei")], facts(huabei))
    assert names(parts) == ["utter_follow_bill"]
    said = params(parts, "utter_follow_bill")
    assert (said["amount"], said["due_date"]) == ("¥1,234.50", "12月1日") and said["auto_repay"] != ""


def test_bill_overdue_and_nothing_due() -> None:
    late = make_account(bills=(bill("862.40", TODAY - timedelta(days=17)),))
    assert names(answer([q(Subject.BILL, "huabei")], facts(late))) == ["utter_follow_bill_overdue"]
    assert names(answer([q(Subject.BILL, "huabei")], facts(make_account()))) == ["utter_follow_bill_none"]


def test_bill_for_a_line_not_held() -> None:
    parts = answer([q(Subject.BILL, "jiebei")], facts(make_account()))
    assert names(parts) == ["utter_no_such_account"]


def test_every_line_when_no_product_is_named() -> None:
    both = facts(make_account(), make_account(JIEBEI, account_id=2))
    assert names(answer([q(Subject.USABLE)], both)) == ["utter_follow_usable_active"] * 2


def test_usable_by_state() -> None:
    until = TODAY + timedelta(days=60)
    paused = make_account(status="paused", paused_until=until)
    parts = answer([q(Subject.USABLE, "huabei")], facts(paused))
    assert names(parts) == ["utter_follow_usable_paused"]
    assert parts[0].buttons[0][1] == '/reopen_account{"product":"huabei"}'  # type: ignore[union-attr]
    ended = make_account(status="paused", paused_until=TODAY - timedelta(days=1))
    assert names(answer([q(Subject.USABLE, "huabei")], facts(ended))) == ["utter_follow_usable_active"]
    frozen = make_account(status="frozen_by_platform", platform_reason_code="risk_assessment")
    parts = answer([q(Subject.USABLE, "huabei")], facts(frozen))
    assert names(parts) == ["utter_follow_usable_frozen"] and parts[0].buttons  # type: ignore[union-attr]
    closed = make_account(status="closed", closed_on=date(2026, 10, 21))
    assert params(answer([q(Subject.USABLE, "huabei")], facts(closed)), "utter_follow_usable_closed") == {
        "product_name": "花呗",
        "closed_on": "10月21日",
    }
    pending = make_account(status="pending_closure")
    assert names(answer([q(Subject.USABLE, "huabei")], facts(pending))) == ["utter_follow_usable_pending_closure"]


def test_repay_then_close() -> None:
    owes = make_account(
        bills=(bill("100", TODAY + timedelta(days=3)),), instalments=(instalment(2, "200", early=False),)
    )
    parts = answer([q(Subject.REPAY_THEN_CLOSE, "huabei")], facts(owes))
    assert names(parts) == ["utter_follow_repay_then_close", "utter_follow_repay_instalments_wait"]
    assert params(parts, "utter_follow_repay_then_close")["amount"] == "¥300.00"
    with_order = make_account(bills=(bill("100", TODAY + timedelta(days=3)),), orders=(order(),))
    parts = answer([q(Subject.REPAY_THEN_CLOSE, "huabei")], facts(with_order))
    assert names(parts) == ["utter_follow_repay_not_enough", "utter_closure_blocker_refund"]
    only_order = make_account(orders=(order(),))
    assert (
        names(answer([q(Subject.REPAY_THEN_CLOSE, "huabei")], facts(only_order)))[0] == "utter_follow_repay_not_money"
    )
    assert names(answer([q(Subject.REPAY_THEN_CLOSE, "huabei")], facts(make_account()))) == ["utter_follow_can_close"]


def test_closing_follow_up_offers_a_button_and_never_a_confirmation() -> None:
    parts = answer([q(Subject.CLOSING, "jiebei")], facts(make_account(JIEBEI)))
    assert names(parts) == ["utter_follow_can_close"]
    assert parts[0].buttons[0][1] == '/close_account{"product":"jiebei"}'  # type: ignore[union-attr]
    blocked = make_account(JIEBEI, bills=(bill("50", TODAY + timedelta(days=1)),))
    assert names(answer([q(Subject.CLOSING, "jiebei")], facts(blocked)))[0] == "utter_closure_blocked_intro"
    frozen = make_account(JIEBEI, status="frozen_by_platform", platform_reason_code="risk_assessment")
    assert names(answer([q(Subject.CLOSING, "jiebei")], facts(frozen)))[-1] == "utter_handoff_offer"


def test_journeys_are_offered_only_where_they_make_sense() -> None:
    active = facts(make_account(JIEBEI))
    parts = answer([q(Subject.PAUSE, "jiebei")], active)
    assert names(parts) == ["utter_follow_status", "utter_follow_offer_same"]
    assert parts[1].buttons[0][1] == '/pause_credit{"product":"jiebei"}'  # type: ignore[union-attr]
    assert names(answer([q(Subject.REOPEN, "jiebei")], active)) == ["utter_follow_status"]  # nothing to resume


def test_credit_same_is_not_said_again_but_a_credit_clause_is_answered() -> None:
    same = answer([q(Subject.CREDIT, "jiebei")], facts(make_account(JIEBEI)))
    assert names(same) == ["utter_follow_credit_same"]
    clause = answer([q(Subject.CREDIT, ask=Ask.CREDIT, text="关了影响征信吗")], facts(make_account()))
    assert any(isinstance(p, FactUse) for p in clause)


def test_progress_with_the_expected_date_of_an_open_closure() -> None:
    submitted = date(2026, 11, 20)  # a Friday: three working days end on Wednesday
    closure = replace(request("close", "under_review", day=submitted), product_id="jiebei")
    parts = answer([q(Subject.REQUESTS, "jiebei")], facts(make_account(JIEBEI), requests=(closure,)))
    said = params(parts, "utter_follow_progress_expected")
    assert (said["days"], said["expected"]) == ("3", "11月25日")


def test_progress_without_an_estimate_and_without_requests() -> None:
    reopen = request("reopen", "submitted")
    parts = answer([q(Subject.REQUESTS, "huabei")], facts(make_account(), requests=(reopen,)))
    assert names(parts) == ["utter_follow_progress_open"]
    done = request("close", "approved")
    parts = answer([q(Subject.REQUESTS, "huabei")], facts(make_account(), requests=(done,)))
    assert names(parts) == ["utter_follow_progress_none_open", "utter_request_line"]
    assert names(answer([q(Subject.REQUESTS, "jiebei")], facts(make_account(), requests=(done,)))) == [
        "utter_follow_progress_none_for"
    ]
    assert names(answer([q(Subject.REQUESTS)], facts(make_account()))) == ["utter_requests_none"]


def test_working_days_skip_weekends() -> None:
    assert add_working_days(date(2026, 11, 20), 3) == date(2026, 11, 25)
    assert add_working_days(date(2026, 11, 21), 1) == date(2026, 11, 23)
    assert add_working_days(date(2026, 11, 23), 0) == date(2026, 11, 23)


def test_push_back_on_goods_received_shows_only_the_order() -> None:
    huabei = make_account(orders=(order("order_unconfirmed"), order("refund_in_progress")))
    parts = push_back_answer(PushBack.ALREADY_DONE, Done.RECEIVED, q(Subject.CLOSING, "huabei"), facts(huabei))
    assert names(parts) == [
        "utter_push_back_records_say",
        "utter_closure_blocker_order",
        "utter_push_back_done_received",
    ]
    assert parts[-1].buttons  # type: ignore[union-attr]


def test_push_back_when_the_record_has_cleared() -> None:
    huabei = make_account(orders=(order("refund_in_progress"),))
    parts = push_back_answer(PushBack.ALREADY_DONE, Done.RECEIVED, q(Subject.CLOSING, "huabei"), facts(huabei))
    assert names(parts) == [
        "utter_push_back_records_clear",
        "utter_closure_blocked_intro",
        "utter_closure_blocker_refund",
    ]


def test_not_working_and_repeats_are_one_line_per_product() -> None:
    jiebei = make_account(JIEBEI, bills=(bill("3256.80", TODAY + timedelta(days=12)),))
    parts = push_back_answer(PushBack.NOT_WORKING, None, q(Subject.CLOSING, "jiebei"), facts(jiebei))
    assert names(parts) == ["utter_push_back_not_working", "utter_short_blocked_owed", "utter_push_back_human"]
    assert params(parts, "utter_short_blocked_owed") == {"product_name": "借呗", "count": "1", "amount": "¥3,256.80"}
    parts = push_back_answer(PushBack.REPEAT, None, q(Subject.BILL, "jiebei"), facts(jiebei))
    assert names(parts) == ["utter_push_back_same_again", "utter_follow_bill", "utter_push_back_human"]
    parts = push_back_answer(PushBack.SAID_BEFORE, None, q(Subject.CLOSING, "jiebei"), facts(jiebei))
    assert names(parts) == ["utter_push_back_said_before"]


def test_a_repeat_of_an_eligible_closing_offers_it() -> None:
    parts = push_back_answer(PushBack.REPEAT, None, q(Subject.CLOSING, "huabei"), facts(make_account(HUABEI)))
    assert names(parts) == ["utter_push_back_same_again", "utter_follow_can_close", "utter_push_back_human"]
