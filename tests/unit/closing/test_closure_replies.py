from datetime import date
from decimal import Decimal

from bot.closing.eligibility import ClosureCheck, UnpaidBill
from bot.closing.replies import closure_answer, submission_replies
from bot.closing.submission import ClosureRefused, ClosureSubmitted
from bot.core.catalog import load_catalog
from bot.core.product_choice import choose_products
from bot.core.replies import Reply
from tests.factories import HUABEI, JIEBEI, TODAY, bill, make_account, make_customer, service
from tests.rendering import domain

CATALOG = load_catalog()


def names(replies) -> list[str]:
    return [getattr(r, "response", None) or f"fact:{r.id}" for r in replies]


def test_every_response_named_exists_in_the_domain() -> None:
    customer = make_customer(
        make_account(HUABEI, services=(service("auto_repay"),)),
        make_account(JIEBEI, account_id=2, bills=(bill("10", date(2026, 12, 1)),)),
    )
    answer = closure_answer(
        choose_products(["huabei", "jiebei"], customer), customer, CATALOG, today=TODAY, offer_alternatives=True
    )
    for reply in answer.replies:
        assert not isinstance(reply, Reply) or reply.response in domain()["responses"]


def test_eligible_answer_gives_personal_consequences_and_alternatives_once() -> None:
    customer = make_customer(make_account(HUABEI, credit_limit=Decimal("8000")), make_account(JIEBEI, account_id=2))
    choice = choose_products(["huabei"], customer)
    answer = closure_answer(choice, customer, CATALOG, today=TODAY, offer_alternatives=True)
    assert [a.product.id for a in answer.eligible] == ["huabei"]
    assert names(answer.replies) == [
        "utter_closure_eligible",
        "utter_closure_consequences",
        "fact:history_kept",
        "fact:closing_not_negative",
        "utter_closure_other_product_unaffected",
        "utter_closure_reopen_rule",
        "utter_closure_alternatives",
    ]
    assert answer.replies[1].params["limit"] == "¥8,000.00"
    assert answer.replies[5].params["cooldown_days"] == "30"
    again = closure_answer(choice, customer, CATALOG, today=TODAY, offer_alternatives=False)
    assert "utter_closure_alternatives" not in names(again.replies)


def test_closing_both_does_not_claim_the_other_is_unaffected() -> None:
    customer = make_customer(make_account(HUABEI), make_account(JIEBEI, account_id=2))
    answer = closure_answer(
        choose_products(["huabei", "jiebei"], customer), customer, CATALOG, today=TODAY, offer_alternatives=False
    )
    assert "utter_closure_other_product_unaffected" not in names(answer.replies)
    assert len(answer.eligible) == 2


def test_closed_other_product_is_not_called_unaffected() -> None:
    customer = make_customer(make_account(HUABEI), make_account(JIEBEI, account_id=2, status="closed"))
    answer = closure_answer(
        choose_products(["huabei"], customer), customer, CATALOG, today=TODAY, offer_alternatives=False
    )
    assert "utter_closure_other_product_unaffected" not in names(answer.replies)


def test_blocked_answer_lists_blockers_and_total_and_is_not_eligible() -> None:
    customer = make_customer(make_account(JIEBEI, bills=(bill("3256.80", date(2026, 12, 4)),)))
    answer = closure_answer(
        choose_products(["jiebei"], customer), customer, CATALOG, today=TODAY, offer_alternatives=True
    )
    assert answer.eligible == ()
    assert names(answer.replies) == [
        "utter_closure_blocked_intro",
        "utter_closure_blocker_unpaid_bill",
        "utter_closure_blocked_total",
    ]
    assert answer.replies[1].params == {"amount": "¥3,256.80", "due_date": "12月4日"}


def test_submission_replies() -> None:
    outcomes: list[ClosureSubmitted | ClosureRefused] = [
        ClosureSubmitted("huabei", 1, "approved", 0, 2),
        ClosureSubmitted("jiebei", 2, "under_review", 3, 0),
        ClosureRefused("jiebei", ClosureCheck("jiebei", (UnpaidBill(Decimal("1"), TODAY),), ())),
    ]
    replies = submission_replies(outcomes, CATALOG, today=TODAY)
    assert names(replies) == [
        "utter_closure_done",
        "utter_closure_under_review",
        "utter_closure_refused_now",
        "utter_closure_blocker_unpaid_bill",
    ]
    assert replies[1].params["review_days"] == "3"
