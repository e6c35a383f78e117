"""Pinyin typos of product names fold onto the name; ordinary words that share a sound do not."""

from __future__ import annotations

import pytest

from bot.nlu.homophones import fold_homophones, sounds_like

NAMES = ("花呗", "借呗")


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("我的花被冻结了", "我的花呗冻结了"),
        ("花蓓能注销吗", "花呗能注销吗"),  # not in the catalog's alias list: found by sound
        ("借背怎么关", "借呗怎么关"),
        ("借杯还款日", "借呗还款日"),
        ("节呗", "借呗"),
    ],
)
def test_typos_that_sound_like_a_name_are_read_as_it(typed: str, read: str) -> None:
    assert fold_homophones(typed, NAMES) == read


@pytest.mark.parametrize(
    "text",
    [
        "借备用金",  # 备 belongs to 备用金
        "华贝",  # two characters changed: more often another word than a typo
        "花费太多",  # different syllable
        "一辈子借辈分",  # 借辈 is not a whole word here
        "花呗能注销吗",  # already right
        "hb😀借款",
        "",
    ],
)
def test_other_words_are_left_alone(text: str) -> None:
    assert fold_homophones(text, NAMES) == text


def test_the_fold_keeps_the_length_so_entity_offsets_hold() -> None:
    text = "花被和借背都想关了"
    assert len(fold_homophones(text, NAMES)) == len(text)


def test_sounds_like_needs_one_kept_character_and_every_syllable() -> None:
    assert sounds_like("花背", "花呗")
    assert not sounds_like("华贝", "花呗")
    assert not sounds_like("花费", "花呗")
    assert not sounds_like("花呗", "花呗")
    assert not sounds_like("花", "花呗")
