"""Pause lengths written in Chinese ("先停三个月吧", "一年半", "到年底") as days.

The `duration` entity is normalised to a whole number of days so that the
dialogue can compare it with the product's pause limits. Anything vague
(一阵子, 十天半个月, 几个月) yields None, which means "ask the user".

Conventions: a month is 30 days, a year 365, half a year 180; whole years
inside a month count use 365 (12个月 = 365, 18个月 = 一年半 = 545).
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.nlu.textnorm import normalise

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3,
    "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# Two adjacent digits read as an approximate range ("两三个月"): the upper bound counts.
_CN_RANGES = {"一两", "两三", "二三", "三四", "三五", "四五", "五六", "六七", "七八", "八九"}

_CN_NUMERALS = "".join(_CN_DIGITS) + "".join(_CN_MULTIPLIERS)
# A number in a message is a few characters long (三百六十五, 365, 1.5). A longer
# run of numeral characters is no pause length (「一」×5000, 「1」×400 = 10^400):
# such runs are masked before any pattern runs, which keeps every pattern's work
# per position bounded (no quadratic backtracking) and every number finite.
MAX_NUMERAL_CHARS = 12
NUMERAL_CHARS = rf"\d.{_CN_NUMERALS}"
_LONG_NUMERAL_RUN = re.compile(rf"[{NUMERAL_CHARS}]{{{MAX_NUMERAL_CHARS + 1},}}")
NUMERAL_MASK = "#"
_NUM = rf"(?:\d{{1,{MAX_NUMERAL_CHARS}}}(?:\.\d{{1,{MAX_NUMERAL_CHARS}}})?|[{_CN_NUMERALS}]{{1,{MAX_NUMERAL_CHARS}}})"
_UNIT = r"天|日|周|星期|礼拜|月|季度|年"
_DAYS_PER_UNIT = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7}
_MONTHS_PER_UNIT = {"月": 1, "季度": 3}


class _Skip:
    """Marks a span that looks numeric but is no duration (a date, an idiom)."""


_SKIP = _Skip()
_Value = int | None | _Skip


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    value: _Value


_Handler = Callable[[re.Match[str], str, date], _Value]


def parse_duration(text: str, *, today: date | None = None) -> int | None:
    """Return the first pause length in `text` in days, or None if there is none.

    None also covers vague lengths and zero or negative ones, because the
    caller's only sensible reaction to all of them is to ask again.
    """
    norm = mask_long_numerals(normalise(text))
    today = today or date.today()
    candidates = sorted(
        (c for pattern, handler in _PATTERNS for c in _find(pattern, handler, norm, today)),
        key=lambda c: (c.start, c.start - c.end),
    )
    blocked_until = -1
    for candidate in candidates:
        if candidate.start < blocked_until:
            continue
        if isinstance(candidate.value, _Skip):
            blocked_until = candidate.end
            continue
        value = candidate.value
        return value if value is not None and value > 0 else None
    return None


def mask_long_numerals(text: str) -> str:
    """`text` with every run of more than MAX_NUMERAL_CHARS numeral characters masked (same length).

    The masked run reads as no number at all, so offsets into `text` stay valid.
    """
    return _LONG_NUMERAL_RUN.sub(lambda run: NUMERAL_MASK * len(run.group()), text)


def _find(pattern: re.Pattern[str], handler: _Handler, text: str, today: date) -> list[_Candidate]:
    """All matches of one pattern, each with the value its handler assigns."""
    return [_Candidate(m.start(), m.end(), handler(m, text, today)) for m in pattern.finditer(text)]


def cn_number(token: str) -> float | None:
    """Read an Arabic or Chinese numeral ("90", "1.5", "九十", "一百零五", "两三").

    Returns None for strings that are not a single number.
    """
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token)
    if token in _CN_RANGES:
        return float(_CN_DIGITS[token[1]])
    return _cn_integer(token)


def _cn_integer(token: str) -> float | None:
    """Positional reading of a Chinese integer; None for digit runs like "一八"."""
    total = section = 0
    digit: int | None = None
    for char in token:
        if char in _CN_DIGITS:
            if digit:  # two non-zero digits in a row: not a number we understand
                return None
            digit = _CN_DIGITS[char]
        elif char in _CN_MULTIPLIERS:
            multiplier = _CN_MULTIPLIERS[char]
            if multiplier == 10000:
                total += (section + (digit or 0)) * multiplier
                section = 0
            else:
                section += (1 if digit is None else digit) * multiplier
            digit = None
        else:
            return None
    return float(total + section + (digit or 0))


def _amount(match: re.Match[str], text: str, today: date) -> _Value:
    """Handle "<number> [个|多|整] [半] <unit> [半]": 三个月, 三个半月, 一年半, 2-3周."""
    if _is_date(match, text) or _is_amount_per_unit(match):
        return _SKIP
    upper = match["upper"] or match["num"]
    number = cn_number(upper)
    if number is None or not math.isfinite(number) or (match["lower"] and cn_number(match["lower"]) is None):
        return None
    if _is_negative(match, text):
        return None
    if match["half"] or match["half_after"]:
        number += 0.5
    return _to_days(number, match["unit"])


def _half(match: re.Match[str], text: str, today: date) -> _Value:
    """Handle "半[个]<unit>": 半个月 = 15, 半年 = 180."""
    return _to_days(0.5, match["unit"])


def _to_days(number: float, unit: str) -> int:
    """Convert an amount of a unit to days with the module's month/year conventions."""
    if unit in _DAYS_PER_UNIT:
        return _round(number * _DAYS_PER_UNIT[unit])
    if unit == "年":
        return _months_to_days(number * 12)
    return _months_to_days(number * _MONTHS_PER_UNIT[unit])


def _months_to_days(months: float) -> int:
    """Whole years count 365 days, the remaining months 30 each."""
    years, rest = divmod(months, 12)
    return int(years) * 365 + _round(rest * 30)


def _round(value: float) -> int:
    """Round half up; Python's round() would turn 10.5 into 10."""
    return int(value + 0.5)


def _is_date(match: re.Match[str], text: str) -> bool:
    """A calendar year (2025年) rather than 2025 years.

    Month-and-day dates (1月5号, 三月份) are caught by a longer pattern that
    blocks the whole date, so "5号"/"5日" inside it are not read either.
    """
    return match["unit"] == "年" and bool(re.fullmatch(r"\d{4}", match["num"]))


def _is_amount_per_unit(match: re.Match[str]) -> bool:
    """Money followed by a rate ("一千一天" = 1000 a day), not 1001 days.

    A Chinese numeral ending in 千/万 plus a bare digit is an amount said the
    short way (两千五 = 2500); right before a unit, the bare digit belongs to
    the unit ("一天" = per day). Nobody pauses for a thousand-odd days.
    """
    return not match["lower"] and bool(re.fullmatch(r".*[千万][一二两三四五六七八九]", match["num"]))


_SIGN_WINDOW = 8  # how far before a number a minus sign may stand (spaces between); bounded so each match is O(1)


def _is_negative(match: re.Match[str], text: str) -> bool:
    """A minus sign or 负 right before the number."""
    before = text[max(0, match.start() - _SIGN_WINDOW) : match.start()].rstrip()
    return before.endswith(("-", "−", "负"))


def _days_until(target: date, today: date) -> int:
    """Days from today to target (may be zero or negative; the caller rejects those)."""
    return (target - today).days


def _end_of_month(day: date) -> date:
    """Last day of day's month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_month_start(today: date) -> date:
    """First day of the month after today's."""
    return _end_of_month(today) + timedelta(days=1)


def _until_month_end(match: re.Match[str], text: str, today: date) -> _Value:
    """到月底 / 这个月底: pause until the last day of this month."""
    return _days_until(_end_of_month(today), today)


def _until_next_month_end(match: re.Match[str], text: str, today: date) -> _Value:
    """到下个月底: pause until the last day of next month."""
    return _days_until(_end_of_month(_next_month_start(today)), today)


def _until_next_month(match: re.Match[str], text: str, today: date) -> _Value:
    """到下个月: pause until next month begins."""
    return _days_until(_next_month_start(today), today)


def _until_year_end(match: re.Match[str], text: str, today: date) -> _Value:
    """到年底: pause until 31 December."""
    return _days_until(date(today.year, 12, 31), today)


def _until_next_year_end(match: re.Match[str], text: str, today: date) -> _Value:
    """到明年底: pause until 31 December next year."""
    return _days_until(date(today.year + 1, 12, 31), today)


def _until_next_year(match: re.Match[str], text: str, today: date) -> _Value:
    """到明年: pause until 1 January."""
    return _days_until(date(today.year + 1, 1, 1), today)


def _until_next_week(match: re.Match[str], text: str, today: date) -> _Value:
    """到下周: pause until next Monday."""
    return 7 - today.weekday()


def _vague(match: re.Match[str], text: str, today: date) -> _Value:
    """Idioms that contain numbers but no definite length (十天半个月, 一年半载)."""
    return None


def _not_duration(match: re.Match[str], text: str, today: date) -> _Value:
    """Idioms with a number and a unit that are no length at all (一天到晚), and how often (一天打十几个)."""
    return _SKIP


_PATTERNS: list[tuple[re.Pattern[str], _Handler]] = [
    (
        re.compile(
            rf"(?P<num>(?P<lower>{_NUM})\s*(?:-|~|～|到|至)\s*(?P<upper>{_NUM})|{_NUM})"
            rf"\s*(?P<filler>[个整多]*)(?P<half>半)?个?(?P<unit>{_UNIT})(?P<half_after>半)?"
        ),
        _amount,
    ),
    (re.compile(rf"半个?(?P<unit>{_UNIT})"), _half),
    (re.compile(r"下个?月[底末]"), _until_next_month_end),
    (re.compile(r"下个?月(?![底末])"), _until_next_month),
    (re.compile(r"(?:这个?月|本月|当月)[底末]|月[底末]"), _until_month_end),
    (re.compile(r"(?:今年|本年)[底末]|年[底末]"), _until_year_end),
    (re.compile(r"明年[底末]"), _until_next_year_end),
    (re.compile(r"明年(?![底末])"), _until_next_year),
    (re.compile(r"下个?(?:周|星期|礼拜)"), _until_next_week),
    (re.compile(r"十天半个?月|一年半载|三年五载|三天两头"), _vague),
    (re.compile(rf"{_NUM}\s*月\s*{_NUM}\s*[号日]|{_NUM}\s*月份|一天到晚"), _not_duration),
    # 「催收电话一天打十几个」「一周催三次」: a rate of calls or messages, not a pause length (a complaint
    # inside the pause question was read as 「停 1 天」). Longer than the plain 「一天」, so it blocks it.
    (
        re.compile(
            rf"一(?:{_UNIT}|个月)\s*(?:[都就要得]\s*)?(?:打|催|发|响|来电|骚扰|(?:好?几|{_NUM}[几多余]?)\s*[个次遍通条])"
        ),
        _not_duration,
    ),
]
