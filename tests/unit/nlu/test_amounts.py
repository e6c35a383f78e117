from __future__ import annotations

from decimal import Decimal

import pytest

from bot.nlu.amounts import parse_amount


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("5000", "5000"),
        ("留一千", "1000"),
        ("能不能只给我留一千", "1000"),
        ("两千五", "2500"),
        ("1.5万", "15000"),
        ("一万二", "12000"),
        ("一万两千", "12000"),
        ("三千五百", "3500"),
        ("一百五", "150"),
        ("一千零五", "1005"),
        ("八百块", "800"),
        ("2000元", "2000"),
        ("¥2,000", "2000"),
        ("￥1,234.50", "1234.50"),
        ("调到3千", "3000"),
        ("2k", "2000"),
        ("１０００", "1000"),  # full-width digits
        ("两千", "2000"),
        ("十万", "100000"),
        ("花呗额度调到一千", "1000"),
        ("从8000降到5000", "5000"),  # the target after 到, not the current limit
        ("8000太多了，5000就够", "5000"),  # otherwise the last amount
        ("额度改成八百吧", "800"),
        ("三千左右吧", "3000"),
        ("0", "0"),  # parsed; the limit rule refuses it
    ],
)
def test_amounts(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "额度太高了想调低",
        "一个月",  # a length, not money
        "三个月后再说",
        "90天",
        "12期",
        "两张卡",
        "一下",
        "-100",
        "负五百",
        "少一点",
        "😀😀",
        "lower it please",
    ],
)
def test_no_amount_or_invalid_is_none(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "留" + "1" * 400 + "元",  # beyond Decimal's precision: quantize raised InvalidOperation
        "留" + "1" * 100_000,
        "降到" + "一" * 100_000 + "千",
        "1,000" + ",000" * 5_000 + "元",
    ],
)
def test_an_overlong_number_is_no_amount(text: str) -> None:
    assert parse_amount(text) is None


def test_many_amounts_in_a_long_message_still_pick_the_target() -> None:
    assert parse_amount("8000 " * 20_000 + "降到5000") == Decimal("5000")
