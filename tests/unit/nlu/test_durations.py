from __future__ import annotations

from datetime import date

import pytest

from bot.nlu.durations import cn_number, mask_long_numerals, parse_duration

TODAY = date(2025, 11, 22)  # a Saturday


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("三个月", 90),
        ("一个月", 30),
        ("1个月", 30),
        ("一月", 30),
        ("半个月", 15),
        ("半月", 15),
        ("半年", 180),
        ("六个月", 180),
        ("一年", 365),
        ("12个月", 365),
        ("１２個月", 365),
        ("18个月", 545),
        ("90天", 90),
        ("九十天", 90),
        ("两周", 14),
        ("2周", 14),
        ("一个礼拜", 7),
        ("一星期", 7),
        ("俩星期", 14),
        ("三个半月", 105),
        ("一个半月", 45),
        ("一年半", 545),
        ("1.5年", 545),
        ("1.5个月", 45),
        ("两年", 730),
        ("俩月", 60),
        ("两个月", 60),
        ("十五天", 15),
        ("二十天", 20),
        ("一百天", 100),
        ("一百零五天", 105),
        ("两个季度", 180),
        ("一个多月", 30),
        ("两三个月", 90),
        ("2-3周", 21),
        ("1到3个月", 90),
        ("先停三个月吧", 90),
        ("我想先暂停半年左右", 180),
        ("先暂时停三个月", 90),
        ("先停着吧，三个月", 90),
        ("能不能先冻结 3 个月", 90),
    ],
)
def test_lengths(text: str, days: int) -> None:
    assert parse_duration(text, today=TODAY) == days


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("到年底", 39),  # 2025-11-22 → 2025-12-31
        ("先停到今年年底", 39),
        ("到月底", 8),
        ("停到下个月", 9),  # until 2025-12-01
        ("到下个月底", 39),
        ("到明年", 40),
        ("到明年底", 404),
        ("下周再说", 2),  # until Monday
    ],
)
def test_calendar_forms_count_from_today(text: str, days: int) -> None:
    assert parse_duration(text, today=TODAY) == days


def test_year_end_on_new_years_eve_is_no_length() -> None:
    assert parse_duration("到年底", today=date(2025, 12, 31)) is None


@pytest.mark.parametrize(
    "text",
    [
        "一阵子",
        "一段时间",
        "先停着",
        "暂时不想用",
        "几个月",
        "十几天",
        "十天半个月",
        "一年半载",
        "三天两头就扣款",
        "0天",
        "零天",
        "-3天",
        "负三天",
        "1月5日之前",
        "暂停到1月5号",
        "三月份",
        "2025年",
        "一八年",
        "",
        "花呗怎么关",
    ],
)
def test_vague_invalid_or_absent_is_none(text: str) -> None:
    assert parse_duration(text, today=TODAY) is None


def test_first_length_wins() -> None:
    assert parse_duration("三个月或者半年", today=TODAY) == 90


def test_today_defaults_to_the_real_date() -> None:
    assert parse_duration("三个月") == 90
    days = parse_duration("到下个月底")
    assert days is not None and 28 <= days <= 62


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("90", 90.0),
        ("九十", 90.0),
        ("十五", 15.0),
        ("二十", 20.0),
        ("一百零五", 105.0),
        ("两百", 200.0),
        ("一万", 10000.0),
        ("两三", 3.0),
        ("一八", None),
        ("abc", None),
    ],
)
def test_cn_number(token: str, value: float | None) -> None:
    assert cn_number(token) == value


@pytest.mark.parametrize("text", ["一千一天", "额度留一千一天够用了", "两万五一个月"])
def test_money_followed_by_a_rate_is_no_length(text: str) -> None:
    # 一千一天 is "1000 a day", not 1001 days
    assert parse_duration(text, today=TODAY) is None


@pytest.mark.parametrize(("text", "days"), [("一千天", 1000), ("一百一十天", 110), ("先停一阵子再说，三个月吧", 90)])
def test_plain_large_numbers_and_later_lengths_still_count(text: str, days: int) -> None:
    assert parse_duration(text, today=TODAY) == days


@pytest.mark.parametrize(
    ("today", "days"),
    [(date(2026, 1, 1), 364), (date(2026, 6, 30), 184), (date(2026, 12, 30), 1)],
)
def test_year_end_depends_on_today(today: date, days: int) -> None:
    assert parse_duration("到年底", today=today) == days


# Issue 14: hostile input. Each of these raised OverflowError or took seconds before.
@pytest.mark.parametrize(
    "text",
    [
        "1" * 400 + "天",  # float("1"*400) is inf: int(inf) raised OverflowError
        "9" * 100_000 + "天",
        "一" * 100_000 + "天",
        "一" * 100_000,  # the unit-less run backtracked quadratically
        "1" * 13 + "个月",
        "三" + "十" * 50 + "天",
    ],
)
def test_an_overlong_numeral_run_is_no_length(text: str) -> None:
    assert parse_duration(text, today=TODAY) is None


def test_a_number_within_the_numeral_limit_still_reads() -> None:
    assert parse_duration("999999999999天", today=TODAY) == 999_999_999_999
    assert parse_duration("啊" * 50_000 + "先停三个月", today=TODAY) == 90


def test_a_long_numeral_run_does_not_hide_a_later_length() -> None:
    assert parse_duration("1" * 5_000 + "，暂停三个月", today=TODAY) == 90


def test_masking_keeps_the_length_and_short_numbers() -> None:
    text = "先停" + "一" * 20 + "天，三个月"
    masked = mask_long_numerals(text)
    assert len(masked) == len(text)
    assert masked == "先停" + "#" * 20 + "天，三个月"
    assert mask_long_numerals("12个月") == "12个月"


@pytest.mark.parametrize(
    "text", ["你们催收电话一天打十几个 烦死了", "一天十几个电话", "一周催三次", "一天都打好几遍", "一个月发二十条短信"]
)
def test_a_rate_of_calls_or_messages_is_no_length(text: str) -> None:
    # Once: a complaint about collection calls inside the pause question was read as 「停 1 天」.
    assert parse_duration(text, today=TODAY) is None


@pytest.mark.parametrize(
    ("text", "days"), [("停一个月", 30), ("一个月就行", 30), ("一天也行", 1), ("一周吧 三次都问了", 7)]
)
def test_lengths_next_to_such_words_still_read(text: str, days: int) -> None:
    assert parse_duration(text, today=TODAY) == days
