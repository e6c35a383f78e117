"""Resuming and reopening: what is said, and which change is offered."""

from __future__ import annotations

from datetime import timedelta

from bot.core.catalog import load_catalog
from bot.core.product_choice import choose_products
from bot.core.replies import FactUse, Reply
from bot.pause.reopen_replies import reopen_offer
from tests.factories import JIEBEI, TODAY, make_account, make_customer

CATALOG = load_catalog()


def responses(parts) -> list[str]:
    return [p.response if isinstance(p, Reply) else f"fact:{p.id}" for p in parts]


def test_reopen_picks_the_line_not_in_use_when_none_is_named() -> None:
    paused = make_account(status="paused", paused_until=TODAY + timedelta(days=5))
    customer = make_customer(paused, make_account(JIEBEI, account_id=2))
    offer = reopen_offer(customer, choose_products([], customer), CATALOG, today=TODAY)
    assert responses(offer.replies) == ["utter_resume_explain"]
    assert offer.change == {"kind": "reopen", "product": "huabei"}


def test_frozen_offers_a_human_and_no_change() -> None:
    frozen = make_account(JIEBEI, status="frozen_by_platform", platform_reason_code="security")
    customer = make_customer(frozen)
    offer = reopen_offer(customer, choose_products(["jiebei"], customer), CATALOG, today=TODAY)
    assert responses(offer.replies) == [
        "utter_reopen_frozen",
        "fact:debt_still_due",
        "fact:right_to_explanation",
        "utter_offer_human",
    ]
    assert FactUse("right_to_explanation") in offer.replies and offer.change is None
