from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.core.formatting import cn_date, join_cn, local_date, with_note, yuan


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1234.5"), "¥1,234.50"),
        (Decimal("0"), "¥0.00"),
        (Decimal("0.005"), "¥0.01"),
        (Decimal("1234567.891"), "¥1,234,567.89"),
        (12, "¥12.00"),
        (Decimal("-3.2"), "-¥3.20"),
    ],
)
def test_yuan(amount, text) -> None:
    assert yuan(amount) == text


def test_cn_date_drops_the_year_only_for_this_year() -> None:
    assert cn_date(date(2026, 12, 5), today=date(2026, 11, 22)) == "12月5日"
    assert cn_date(date(2027, 1, 5), today=date(2026, 11, 22)) == "2027年1月5日"
    assert cn_date(date(2027, 1, 5)) == "2027年1月5日"


@pytest.mark.parametrize(
    ("items", "joined", "enumerated"),
    [
        ([], "", ""),
        (["花呗"], "花呗", "花呗"),
        (["花呗", "借呗"], "花呗和借呗", "花呗、借呗"),
        (["免密支付", "代扣", "自动还款"], "免密支付、代扣和自动还款", "免密支付、代扣、自动还款"),
    ],
)
def test_join_cn(items: list[str], joined: str, enumerated: str) -> None:
    assert join_cn(items) == joined
    assert join_cn(iter(items), and_last=False) == enumerated


def test_with_note_brackets_only_a_note_there_is() -> None:
    assert with_note("花呗免密支付", "滴滴出行") == "花呗免密支付（滴滴出行）"
    assert with_note("花呗免密支付", None) == "花呗免密支付"
    assert with_note("花呗免密支付", "") == "花呗免密支付"


def test_a_moment_is_dated_in_the_business_timezone(monkeypatch: pytest.MonkeyPatch) -> None:
    # 04:00 on 23 November in Beijing is 20:00 on 22 November in UTC.
    early_morning = datetime(2026, 11, 22, 20, 0, tzinfo=timezone.utc)
    monkeypatch.delenv("BOT_TIMEZONE", raising=False)
    assert local_date(early_morning) == date(2026, 11, 23)
    assert local_date(early_morning.replace(tzinfo=None)) == date(2026, 11, 23)  # SQLite: naive UTC
    assert local_date(early_morning, ZoneInfo("UTC")) == date(2026, 11, 22)


def test_the_business_timezone_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TIMEZONE", "America/New_York")
    assert local_date(datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)) == date(2026, 11, 22)


def test_a_note_with_brackets_of_its_own_is_never_bracketed_twice() -> None:
    """Issue 13, Voice: 「借呗绑定银行卡（招商银行储蓄卡（尾号6789））」 had brackets inside brackets."""
    assert with_note("借呗绑定银行卡", "招商银行储蓄卡（尾号6789）") == "借呗绑定银行卡（招商银行储蓄卡，尾号6789）"
    assert with_note("花呗自动还款", "卡 (尾号1234) 扣款") == "花呗自动还款（卡，尾号1234，扣款）"
