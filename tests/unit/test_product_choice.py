from bot.product_choice import choose_products
from tests.factories import HUABEI, JIEBEI, make_account, make_customer

BOTH = make_customer(make_account(HUABEI, account_id=1), make_account(JIEBEI, account_id=2))


def test_named_product_is_chosen() -> None:
    choice = choose_products(["jiebei"], BOTH)
    assert [a.product.id for a in choice.accounts] == ["jiebei"] and not choice.ask


def test_both_products_in_order_without_repeats() -> None:
    choice = choose_products(["huabei", "jiebei", "huabei"], BOTH)
    assert [a.product.id for a in choice.accounts] == ["huabei", "jiebei"]


def test_missing_product_asks_with_the_customers_own_products() -> None:
    choice = choose_products([], BOTH)
    assert choice.ask and [a.product.id for a in choice.options] == ["huabei", "jiebei"]


def test_single_account_needs_no_question() -> None:
    only = make_customer(make_account(JIEBEI))
    assert [a.product.id for a in choose_products([], only).accounts] == ["jiebei"]


def test_product_the_customer_does_not_hold_is_reported_missing() -> None:
    only = make_customer(make_account(HUABEI))
    choice = choose_products(["jiebei"], only)
    assert choice.accounts == () and choice.missing == ("jiebei",)


def test_external_product_is_never_mapped_to_ours() -> None:
    choice = choose_products([], BOTH, external="微粒贷")
    assert choice.external == "微粒贷" and choice.accounts == () and not choice.ask
