from datetime import date
from decimal import Decimal

from bot.core.replies import FactUse, Fragment, Reply
from bot.credit.explanations import closure_effects_answer, platform_closure_answer
from tests.factories import (
    HUABEI,
    JIEBEI,
    TODAY,
    bill,
    make_account,
    make_customer,
    request,
    service,
)


def replies(parts) -> list[Reply]:
    return [p for p in parts if isinstance(p, Reply)]


def test_effects_for_each_product_asked_about() -> None:
    customer = make_customer(
        make_account(HUABEI, services=(service("auto_repay"), service("password_free", id=2))),
        make_account(JIEBEI, account_id=2, bills=(bill("3256.80", date(2026, 12, 4)),)),
    )
    parts = closure_effects_answer(customer, [], today=TODAY)
    assert isinstance(parts[0], FactUse) and parts[0].id == "products_independent"
    assert [(r.response, r.params.get("product_name")) for r in replies(parts)] == [
        ("utter_effects_services", "花呗"),
        ("utter_effects_still_owed", "借呗"),
    ]
    assert replies(parts)[1].params["amount"] == "¥3,256.80"
    only_huabei = closure_effects_answer(customer, ["huabei"], today=TODAY)
    assert [r.params["product_name"] for r in replies(only_huabei)] == ["花呗"]


def test_effects_without_identity_are_the_general_facts() -> None:
    assert all(isinstance(p, FactUse) for p in closure_effects_answer(None, [], today=TODAY))


def test_frozen_line_gets_its_reason_category_and_a_human() -> None:
    customer = make_customer(
        make_account(HUABEI),
        make_account(JIEBEI, account_id=2, status="frozen_by_platform", platform_reason_code="overdue"),
    )
    parts = replies(platform_closure_answer(customer, today=TODAY))
    assert parts[0] == Reply(
        "utter_platform_frozen", {"product_name": "借呗", "reason": Fragment("utter_reason_overdue")}
    )
    assert parts[-1].response == "utter_platform_human_can_check"


def test_unknown_reason_code_is_not_guessed() -> None:
    customer = make_customer(make_account(JIEBEI, status="frozen_by_platform", platform_reason_code="weird"))
    (first, *_rest) = replies(platform_closure_answer(customer, today=TODAY))
    assert first.params["reason"] == Fragment("utter_reason_unspecified")


def test_customer_closed_it_themselves() -> None:
    closed = make_account(HUABEI, status="closed", closed_on=date(2026, 10, 21), requests=(request(status="approved"),))
    parts = replies(platform_closure_answer(make_customer(closed, make_account(JIEBEI, account_id=2)), today=TODAY))
    assert parts == [
        Reply(
            "utter_platform_closed_by_you",
            {"product_name": "花呗", "submitted": "11月20日", "closed_on": "10月21日"},
        )
    ]


def test_a_closure_is_dated_by_its_submission_not_its_closure_day() -> None:
    asked = request(status="approved", day=date(2026, 10, 18))
    closed = make_account(HUABEI, status="closed", closed_on=date(2026, 10, 20), requests=(asked,))
    (line,) = replies(platform_closure_answer(make_customer(closed), today=TODAY))
    assert line.params["submitted"] == "10月18日"
    assert line.params["closed_on"] == "10月20日"


def test_nothing_stopped() -> None:
    parts = replies(
        platform_closure_answer(make_customer(make_account(HUABEI, credit_limit=Decimal("1"))), today=TODAY)
    )
    assert parts == [Reply("utter_platform_nothing_stopped", {"products": "花呗"})]
