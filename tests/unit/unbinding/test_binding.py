from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.core.accounts import LinkedService
from bot.core.catalog import load_catalog
from bot.core.replies import FactUse, Fragment, Reply
from bot.unbinding.replies import unbind_offer
from bot.unbinding.unbinding import means_bank_card, plan_unbind
from tests.factories import JIEBEI, TODAY, bill, make_account, make_customer

CATALOG = load_catalog()


def svc(
    id: int, kind: str, merchant: str | None = None, status: str = "active", unbound_on: date | None = None
) -> LinkedService:
    return LinkedService(id, kind, status, merchant, None, unbound_on)


HUABEI_LINE = make_account(
    account_id=1,
    bills=(bill("1234.50", date(2026, 12, 1)),),
    services=(
        svc(1, "auto_repay"),
        svc(2, "password_free", "滴滴出行"),
        svc(3, "withholding", "爱奇艺会员"),
        svc(4, "default_payment", status="unbound", unbound_on=date(2026, 10, 3)),
    ),
)
JIEBEI_LINE = make_account(JIEBEI, account_id=2, services=(svc(5, "auto_repay"), svc(6, "password_free", "美团外卖")))
CUSTOMER = make_customer(HUABEI_LINE, JIEBEI_LINE)


def plan(products: list[str] | None = None, services: list[str] | None = None, text: str = ""):
    return plan_unbind(CUSTOMER, product_ids=products or [], service_types=services or [], text=text)


def chosen_ids(p) -> list[int]:
    return [u.bound.service.id for u in p.chosen]


def test_nothing_named_lists_every_bound_service() -> None:
    p = plan()
    assert not p.asked and not p.chosen
    assert [b.service.id for b in p.bound] == [1, 2, 3, 5, 6]


def test_a_type_on_both_products_asks_which_unless_a_product_or_both_is_said() -> None:
    # A confirmation lists exactly what the user asked for: never the other product's auto-repay unasked.
    p = plan(services=["auto_repay"], text="关掉自动还款")
    assert not p.chosen and [b.service.id for b in p.which_product] == [1, 5]
    assert chosen_ids(plan(products=["jiebei"], services=["auto_repay"])) == [5]
    assert chosen_ids(plan(products=["huabei", "jiebei"], services=["auto_repay"])) == [1, 5]
    assert chosen_ids(plan(services=["auto_repay"], text="两个的自动还款都关掉")) == [1, 5]


def test_asking_which_product_offers_one_button_per_line_and_confirms_nothing() -> None:
    offer = unbind_offer(
        plan(services=["auto_repay"], text="自动还款关了"), CATALOG, product_names="花呗、借呗", today=TODAY
    )
    assert offer.change is None
    (which,) = (r for r in offer.replies if isinstance(r, Reply))
    assert which.response == "utter_unbind_which_product"
    assert which.params == {"service_name": "自动还款", "products": "花呗和借呗"}
    assert [payload for _, payload in which.buttons] == [
        '/unbind_service{"service":"auto_repay","product":"huabei"}',
        '/unbind_service{"service":"auto_repay","product":"jiebei"}',
    ]


def test_a_type_on_one_product_only_is_taken_without_asking() -> None:
    assert chosen_ids(plan(services=["withholding"], text="代扣解绑")) == [3]


CARD_LINE = make_account(JIEBEI, account_id=2, services=(svc(7, "auto_repay"), svc(8, "bank_card")))


@pytest.mark.parametrize("text", ["借呗绑的那张卡解绑", "我的卡不想绑在借呗上了", "卡解绑"])
def test_a_card_is_the_bound_bank_card(text: str) -> None:
    customer = make_customer(HUABEI_LINE, CARD_LINE)
    for services in ([], ["卡"]):  # nothing recognised, or DIET's bare 「卡」
        p = plan_unbind(customer, product_ids=["jiebei"], service_types=services, text=text)
        assert chosen_ids(p) == [8] and p.not_bound == ()


def test_a_credit_card_is_not_a_bound_card() -> None:
    assert not means_bank_card("信用卡收款关掉") and not means_bank_card("信用卡能注销吗")
    assert not means_bank_card("解绑的时候一直卡住")
    assert means_bank_card("那张卡") and means_bank_card("储蓄卡")


def test_a_merchant_narrows_the_type() -> None:
    assert chosen_ids(plan(services=["password_free"], text="把滴滴的免密关了")) == [2]


def test_a_merchant_alone_is_enough_even_shortened() -> None:
    assert chosen_ids(plan(text="爱奇艺那个不要了")) == [3]


def test_several_at_once() -> None:
    assert chosen_ids(plan(services=["withholding", "password_free"], products=["huabei"])) == [3, 2]


def test_already_unbound_is_answered_not_repeated() -> None:
    p = plan(services=["default_payment"])
    assert not p.chosen and [b.service.id for b in p.already_unbound] == [4]


def test_never_bound_is_said() -> None:
    p = plan(services=["family_repay"])
    assert not p.chosen and p.not_bound == ("family_repay",) and p.asked


def test_auto_repay_consequence_names_the_next_due_bill() -> None:
    (unbinding, _) = plan(services=["auto_repay"], text="两个的自动还款都关了").chosen
    assert unbinding.next_due is not None
    assert (unbinding.next_due.due_date, unbinding.next_due.amount) == (date(2026, 12, 1), Decimal("1234.50"))


def test_offer_explains_each_consequence_and_asks_to_confirm() -> None:
    offer = unbind_offer(
        plan(services=["auto_repay", "default_payment"], products=["huabei"]),
        CATALOG,
        product_names="花呗",
        today=TODAY,
    )
    names = [r.response for r in offer.replies if isinstance(r, Reply)]
    assert names == ["utter_unbind_already", "utter_unbind_effects"]
    effects = offer.replies[1]
    assert isinstance(effects, Reply) and isinstance(effects.params["effects"], Fragment)
    effect, fact = effects.params["effects"].params.values()
    assert isinstance(effect, Fragment) and effect.params["next_due"] == Fragment(
        "utter_unbind_next_due", {"product_name": "花呗", "due_date": "12月1日", "amount": "¥1,234.50"}
    )
    assert fact == FactUse("unbinding_auto_repay")
    assert offer.change == {"kind": "unbind", "service_ids": [1]}
    assert offer.question == Fragment("utter_change_question_unbind", {"services": "花呗自动还款"})


def test_removing_default_payment_changes_nothing_owed() -> None:
    customer = make_customer(make_account(services=(svc(7, "default_payment"),)))
    p = plan_unbind(customer, product_ids=[], service_types=["default_payment"], text="")
    offer = unbind_offer(p, CATALOG, product_names="花呗", today=TODAY)
    (effects,) = offer.replies
    assert isinstance(effects, Reply) and effects.params["effects"] == Fragment(
        "utter_unbind_effect_default_payment",
        {"service": "花呗默认付款方式", "product_name": "花呗", "merchant": ""},
    )  # one consequence, no fact about automatic repayment


def test_list_offers_a_button_per_service_with_its_product() -> None:
    offer = unbind_offer(plan(), CATALOG, product_names="花呗、借呗", today=TODAY)
    (listing,) = offer.replies
    assert isinstance(listing, Reply) and offer.change is None
    assert (
        "借呗免密支付（美团外卖）",
        '/unbind_service{"service":"password_free","product":"jiebei"}',
    ) in listing.buttons


def test_nothing_bound() -> None:
    p = plan_unbind(make_customer(make_account()), product_ids=[], service_types=["auto_repay"], text="")
    offer = unbind_offer(p, CATALOG, product_names="花呗", today=TODAY)
    assert [r.response for r in offer.replies if isinstance(r, Reply)] == [
        "utter_unbind_not_bound",
        "utter_unbind_nothing_bound",
    ]


def test_everything_when_asked_for_all_and_nothing_more_specific() -> None:
    assert chosen_ids(plan(text="全部解绑")) == [1, 2, 3, 5, 6]
    assert chosen_ids(plan(products=["jiebei"], text="都关掉吧")) == [5, 6]
    assert chosen_ids(plan(services=["withholding"], text="代扣全部解绑")) == [3]
    assert chosen_ids(plan(text="我绑了哪些服务")) == []


def test_a_service_kind_the_catalog_does_not_know_is_never_said_back() -> None:
    spoof = "我是平台客服，请把验证码发给我"
    offer = unbind_offer(plan(services=["family_repay", spoof]), CATALOG, product_names="花呗", today=TODAY)
    said_params = [str(v) for r in offer.replies if isinstance(r, Reply) for v in r.params.values()]
    assert not any(spoof in p for p in said_params)
    assert [r.params for r in offer.replies if isinstance(r, Reply) and r.response == "utter_unbind_not_bound"] == [
        {"service_name": "亲友代还", "products": "花呗"}
    ]


def test_a_mixed_request_keeps_what_it_named_while_asking_which_line_for_the_rest() -> None:
    # 「把滴滴免密和自动还款都解了」: 都 gathers the two things named, not both lines (issue 12).
    p = plan(services=["password_free", "auto_repay"], text="把滴滴免密和自动还款都解了")
    assert not p.chosen and [b.service.id for b in p.which_product] == [1, 5]
    assert [b.service.id for b in p.kept] == [2]
    offer = unbind_offer(p, CATALOG, product_names="花呗和借呗", today=TODAY)
    said = [r.response for r in offer.replies if isinstance(r, Reply)]
    assert said == ["utter_unbind_also", "utter_unbind_which_product"] and offer.change is None
    # The answer (借呗's auto-repay) is confirmed together with 滴滴, and nothing else.
    answer = plan_unbind(CUSTOMER, product_ids=["jiebei"], service_types=["auto_repay"], text="", kept_ids=[2])
    assert sorted(chosen_ids(answer)) == [2, 5]
    offer = unbind_offer(answer, CATALOG, product_names="借呗", today=TODAY)
    assert offer.change == {"kind": "unbind", "service_ids": [5, 2]}


def test_both_lines_must_be_said_when_several_things_are_named() -> None:
    p = plan(services=["password_free", "auto_repay"], text="滴滴免密和花呗借呗的自动还款都解了")
    assert sorted(chosen_ids(p)) == [1, 2, 5] and not p.which_product


def test_a_kept_service_no_longer_bound_is_not_confirmed_again() -> None:
    answer = plan_unbind(CUSTOMER, product_ids=["jiebei"], service_types=["auto_repay"], text="", kept_ids=[4, 99])
    assert chosen_ids(answer) == [5]
