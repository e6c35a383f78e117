"""Length-preserving normalisation of user text before NLU.

Users mix traditional and simplified characters, full-width and half-width
letters and digits, and upper and lower case (借唄 / 借呗, ＨＢ / hb). Folding
these onto one spelling lets a single alias list and a single set of training
examples cover them all.

Every character maps to exactly one character, so the normalised text has the
same length as the input: entity offsets annotated on the original text (Rasa
training data, offsets reported back to channels) stay valid.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_FULLWIDTH_FIRST = 0xFF01  # ！
_FULLWIDTH_LAST = 0xFF5E  # ～
_FULLWIDTH_OFFSET = 0xFEE0  # ！ (U+FF01) - ! (U+0021)
_IDEOGRAPHIC_SPACE = "\u3000"
# Latin-1 Supplement to Latin Extended-B: letters users type with an IME.
_LATIN_RANGES = (range(ord("A"), ord("Z") + 1), range(0x00C0, 0x0250))


def normalise(text: str) -> str:
    """Return `text` in simplified, half-width, lower-case form, with the same length.

    Characters that need no change (emoji, punctuation, simplified Chinese)
    are returned as they are.
    """
    return text.translate(_table())


def opencc_ts_characters() -> str:
    """Return the text of OpenCC's traditional-to-simplified character dictionary."""
    dictionary = resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    return dictionary.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    """Build the single-pass translation table once, on first use.

    The composite table applies traditional→simplified, full-width→half-width
    and lower-casing in one `str.translate`, so each step sees the result of
    the previous one (Ｈ → H → h).
    """
    sources = set(_traditional_to_simplified()) | _width_and_case_sources()
    table: dict[int, str] = {}
    for char in sources:
        target = _fold_case(_fold_width(_simplify(char)))
        if target != char:
            table[ord(char)] = target
    return table


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> dict[str, str]:
    """Parse OpenCC's table, keeping single-character entries and the first candidate."""
    mapping: dict[str, str] = {}
    for line in opencc_ts_characters().splitlines():
        source, _, candidates = line.partition("\t")
        first = candidates.split(" ")[0] if candidates else ""
        if len(source) == 1 and len(first) == 1:
            mapping[source] = first
    return mapping


def _width_and_case_sources() -> set[str]:
    """Characters whose width or case is folded, independent of the OpenCC table."""
    chars = {chr(code) for code in range(_FULLWIDTH_FIRST, _FULLWIDTH_LAST + 1)}
    chars.add(_IDEOGRAPHIC_SPACE)
    chars.update(chr(code) for span in _LATIN_RANGES for code in span)
    return chars


def _simplify(char: str) -> str:
    """Map one traditional character to its (first) simplified form.

    A few OpenCC entries chain (薴 → 苧 → 苎); following the chain keeps
    `normalise` idempotent, so normalising twice never changes the text again.
    """
    mapping = _traditional_to_simplified()
    seen = {char}
    while (target := mapping.get(char, char)) not in seen:
        seen.add(target)
        char = target
    return char


def _fold_width(char: str) -> str:
    """Map a full-width ASCII character or the ideographic space to half-width."""
    if char == _IDEOGRAPHIC_SPACE:
        return " "
    code = ord(char)
    if _FULLWIDTH_FIRST <= code <= _FULLWIDTH_LAST:
        return chr(code - _FULLWIDTH_OFFSET)
    return char


def _fold_case(char: str) -> str:
    """Lower-case Latin letters, but only where lower-casing keeps one character."""
    code = ord(char)
    if not any(code in span for span in _LATIN_RANGES):
        return char
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


# Runs of the same punctuation mark (！！！, ？？？, 。。。) and emoji carry feeling, not meaning:
# 「关闭花呗！！！」 asks what 「关闭花呗」 asks. Spaces keep the length (offsets hold).
_REPEATED_PUNCTUATION = re.compile(r"([!?.,~。，、…])\1+")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]")


def quiet_noise(text: str) -> str:
    """`text` with repeated punctuation marks after the first, and emoji, turned into spaces (same length)."""
    text = _REPEATED_PUNCTUATION.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - 1), text)
    return _EMOJI.sub(" ", text)
