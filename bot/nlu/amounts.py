"""Amounts of money written in Chinese ("留一千", "5000", "两千五", "1.5万") as Decimal yuan.

The intent contract has no amount entity, so the limit journey reads the
user's text with `parse_amount`. Chinese numerals count as an amount only
with a multiplier (十百千万) or a currency word after them, so "一个月" or
"两张卡" are not money; numbers followed by a time or count unit (天, 个月,
期, 号, %) are not money either.

When a message holds several amounts the target is the one after 到/成/为/留/剩
("从八千降到五千" → 5000); otherwise the last one ("8000太多了，5000就够").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from bot.nlu.durations import cn_number, mask_long_numerals
from bot.nlu.textnorm import normalise

_CN = "零〇一二两俩三四五六七八九十百千万"
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = {"万": 10000, "w": 10000, "千": 1000, "k": 1000, "百": 100}
# A trailing bare digit after 万/千/百 is the next smaller unit: 两千五 = 2500, 一万二 = 12000.
_ABBREVIATED = re.compile(r"(?P<head>.*[百千万])(?P<tail>[一二两三四五六七八九])")
_TIME_OR_COUNT = re.compile(r"\s*(?:个|多)?(?:天|日|周|星期|礼拜|月|年|期|号|次|笔|张|%|％|岁|分钟|小时)")
_CURRENCY = re.compile(r"\s*(?:元|块|圆|rmb|人民币)")
_TARGET_MARK = re.compile(r"(?:到|成|为|留|剩|至|改|只要|保留)\s*$")
_MARK_WINDOW = 8  # characters before an amount searched for a target mark (bounded: one amount costs O(1))

_PATTERN = re.compile(
    rf"(?P<sign>[-−负])?\s*(?:[¥￥]\s*)?" rf"(?:(?P<arabic>{_ARABIC})\s*(?P<scale>[万千百wk])?|(?P<chinese>[{_CN}]+))"
)


def parse_amount(text: str) -> Decimal | None:
    """Return the amount (in yuan) the user names in `text`, or None.

    None covers text without an amount and negative amounts. Zero is returned
    as zero: whether it is acceptable is the caller's rule.
    """
    # Runs of more than MAX_NUMERAL_CHARS numerals (「1」×400) are no amount.
    norm = mask_long_numerals(normalise(text).lower())
    found: list[tuple[int, Decimal | None]] = []
    for match in _PATTERN.finditer(norm):
        value = _value(match, norm)
        if value is not False:
            found.append((match.start(), value if isinstance(value, Decimal) else None))
    if not found:
        return None
    marked = [v for start, v in found if _TARGET_MARK.search(norm[max(0, start - _MARK_WINDOW) : start])]
    return marked[0] if marked else found[-1][1]


def _value(match: re.Match[str], text: str) -> Decimal | None | bool:
    """The match's amount, None for an invalid one (negative), False when it is no amount at all."""
    after = text[match.end() :]
    if _TIME_OR_COUNT.match(after):
        return False
    has_currency = bool(_CURRENCY.match(after)) or "¥" in match.group(0) or "￥" in match.group(0)
    if match["chinese"]:
        amount = _chinese(match["chinese"])
        if amount is None or not (has_currency or re.search("[十百千万]", match["chinese"])):
            return False
    else:
        amount = _arabic(match["arabic"], match["scale"])
        if amount is None:
            return False
    if match["sign"]:
        return None
    return amount


def _arabic(digits: str, scale: str | None) -> Decimal | None:
    try:
        value = Decimal(digits.replace(",", ""))
    except InvalidOperation:
        return None
    return _money(value * _SCALE.get(scale or "", 1))


def _chinese(token: str) -> Decimal | None:
    abbreviated = _ABBREVIATED.fullmatch(token)
    if abbreviated and "零" not in token:
        head = cn_number(abbreviated["head"])
        tail = cn_number(abbreviated["tail"])
        if head is None or tail is None:
            return None
        unit = _SCALE[abbreviated["head"][-1]] // 10
        return _money(Decimal(str(head)) + Decimal(str(tail)) * unit)
    value = cn_number(token)
    return None if value is None else _money(Decimal(str(value)))


def _money(value: Decimal) -> Decimal | None:
    """Round to fen; None for a number too large to be money (1,000,000,…, beyond Decimal's precision)."""
    try:
        return value.quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
