from __future__ import annotations

from bot.core.catalog import load_catalog
from bot.core.product_choice import choose_products
from bot.core.replies import FactUse, Fragment, Reply
from bot.pause.replies import pause_offer
from tests.factories import JIEBEI, TODAY, make_account, make_customer

CATALOG = load_catalog()


def responses(parts) -> list[str]:
    return [p.response if isinstance(p, Reply) else f"fact:{p.id}" for p in parts]


def test_pause_plan_explains_then_asks() -> None:
    customer = make_customer(make_account())
    offer = pause_offer(choose_products(["huabei"], customer), CATALOG, 30, today=TODAY)
    # the answer, then what matters in one message: with the question 3 messages (issue 13: at most 4)
    assert responses(offer.replies) == ["utter_pause_explain", "utter_pause_what_matters"]
    matters = offer.replies[1]
    assert isinstance(matters, Reply) and matters.params["not_negative"] == FactUse("pause_not_negative")
    assert offer.change == {"kind": "pause", "product": "huabei", "days": 30}
    assert offer.question == Fragment(
        "utter_change_question_pause", {"product_name": "花呗", "days": "30", "until": "12月22日"}
    )


def test_pause_without_product_asks_with_buttons_carrying_the_length() -> None:
    customer = make_customer(make_account(), make_account(JIEBEI, account_id=2))
    offer = pause_offer(choose_products([], customer), CATALOG, 90, today=TODAY)
    (question,) = offer.replies
    assert isinstance(question, Reply) and question.response == "utter_ask_pause_product"
    assert [p for _, p in question.buttons] == [
        '/pause_credit{"product":"huabei","duration":90}',
        '/pause_credit{"product":"jiebei","duration":90}',
    ]
    assert offer.change is None


def test_out_of_range_is_said_then_asked_again() -> None:
    offer = pause_offer(choose_products(["huabei"], make_customer(make_account())), CATALOG, 730, today=TODAY)
    assert responses(offer.replies) == ["utter_pause_out_of_range", "utter_ask_pause_duration"] and offer.change is None
