"""How amounts and dates are written for Chinese users (¥1,234.50, 12月5日)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from bot.config import business_zone


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


def as_utc(moment: datetime) -> datetime:
    """A stored moment with its zone: SQLite gives back naive datetimes, and every one was stored as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def local_date(moment: datetime, zone: tzinfo | None = None) -> date:
    """The calendar day of a stored moment in the business timezone (BOT_TIMEZONE).

    Moments are stored in UTC; a request made at 04:00 in Beijing is on the
    Beijing day, not the UTC one before it. A naive moment is taken as UTC
    (SQLite returns them without a zone).
    """
    return as_utc(moment).astimezone(zone or business_zone()).date()


# How Chinese lists are written: 、 between items, 和 before the last one in a sentence.
LIST_COMMA = "、"
AND = "和"


def join_cn(items: Iterable[str], *, and_last: bool = True) -> str:
    """Join names for a sentence: "A、B和C" ("A和B" for two), or "A、B、C" with `and_last=False`.

    The enumeration form is for lists after a colon or in brackets (已解绑：A、B、C。).
    """
    names = list(items)
    if not and_last or len(names) < 2:
        return LIST_COMMA.join(names)
    return f"{LIST_COMMA.join(names[:-1])}{AND}{names[-1]}"


def with_note(text: str, note: str | None) -> str:
    """「花呗免密支付（滴滴出行）」: `text` with a bracketed note, or `text` alone without one.

    A note with brackets of its own (a card stored as 「招商银行储蓄卡（尾号6789）」) is written
    without them, 「…（招商银行储蓄卡，尾号6789）」: brackets inside brackets are hard to read.
    """
    if not note:
        return text
    flat = re.sub(r"\s*[（()）]+\s*", "，", note.strip()).strip("，")
    return f"{text}（{flat}）"
