import pytest

from bot.core.product_choice import choose_products, means_all
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


@pytest.mark.parametrize(
    "text",
    ["两个都", "两个都看看", "都要", "全部", "都关了吧", "这俩都注销", "嗯 两个都吧", "两个都要！", "俩一起关"],
)
def test_typed_both_means_every_product(text: str) -> None:
    assert means_all(text)
    choice = choose_products([], BOTH, wants_all=means_all(text))
    assert [a.product.id for a in choice.accounts] == ["huabei", "jiebei"] and not choice.ask


@pytest.mark.parametrize(
    "text",
    [
        "全部还清了能关吗",
        "我都还清了",
        "两个都不要",
        "都不关了",
        "花呗",
        "两个月",
        "",
        "我想全部注销掉然后换个平台用用看",
    ],
)
def test_other_messages_do_not_mean_both(text: str) -> None:
    assert not means_all(text)


def test_named_product_wins_over_both() -> None:
    choice = choose_products(["jiebei"], BOTH, wants_all=True)
    assert [a.product.id for a in choice.accounts] == ["jiebei"]


def test_long_filler_is_handled() -> None:
    # 「吧」×n + one more character made the old "[…]+$" filler regex backtrack quadratically
    assert not means_all("吧" * 100_000 + "好")
    assert means_all("都要" + "吧" * 100_000)
    assert means_all("嗯" * 100_000 + "都要")
