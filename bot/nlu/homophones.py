"""Homophone typos of product names, matched by pinyin: 花被 / 花蓓 / 借背 → 花呗 / 借呗.

Users type with pinyin input methods, so a wrong character usually sounds like the
right one. Instead of listing every such typo in the catalog, a two-character
window that sounds like a product's name (same syllables, tones ignored, any
reading of a character with several) is read as that name, with guards that keep
ordinary words out:
- at least one character is the name's own (花被 yes, 华贝 no: two wrong characters
  are more often another word than a typo);
- the window is whole words of the sentence (jieba), so 借备用金 (借 / 备用金) keeps
  its 备 and 借被子 is left alone when jieba reads 被子.

The replacement has the same length, so entity offsets stay valid (textnorm.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import jieba
from pypinyin import Style, pinyin


@lru_cache(maxsize=8192)
def _readings(char: str) -> frozenset[str]:
    """Every toneless pinyin reading of one character; empty for non-Chinese characters."""
    if not ("\u4e00" <= char <= "\u9fff"):
        return frozenset()
    return frozenset(pinyin(char, style=Style.NORMAL, heteronym=True)[0])


def sounds_like(window: str, name: str) -> bool:
    """True when `window` could be a pinyin typo of `name` (same length, each syllable shared, one char kept)."""
    if len(window) != len(name) or window == name:
        return False
    if not any(a == b for a, b in zip(window, name, strict=True)):
        return False
    return all(_readings(a) & _readings(b) for a, b in zip(window, name, strict=True))


def _word_boundaries(text: str) -> set[int]:
    bounds = {0, len(text)}
    for _, start, end in jieba.tokenize(text, HMM=False):  # HMM would glue unknown runs (花蓓能) together
        bounds |= {start, end}
    return bounds


def fold_homophones(text: str, names: Iterable[str]) -> str:
    """`text` with each pinyin typo of one of `names` (two-character names) replaced by the name."""
    names = [n for n in names if len(n) == 2]
    hits = [(i, name) for name in names for i in range(len(text) - 1) if sounds_like(text[i : i + 2], name)]
    if not hits:
        return text
    bounds = _word_boundaries(text)
    chars = list(text)
    for i, name in hits:
        # A window jieba reads as one word or as two whole words; a word running over its edge keeps it.
        if i in bounds and i + 2 in bounds:
            chars[i : i + 2] = list(name)
    return "".join(chars)
