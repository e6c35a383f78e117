"""How amounts and dates are written for Chinese users (¥1,234.50, 12月5日)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal


def yuan(amount: Decimal | int | float) -> str:
    """Format an amount in yuan with thousands separators and two decimals."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


def cn_date(day: date, *, today: date | None = None) -> str:
    """Write a date the way Chinese users read it; the year is dropped when it is this year."""
    if today is not None and day.year == today.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"
