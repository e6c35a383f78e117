"""Digits-only messages are read by rule: answers are inform, 88/886 goodbye, anything with words untouched."""

from __future__ import annotations

import pytest

from bot.nlu.digits import digits_intent


@pytest.mark.parametrize(
    "text", ["138 1234 5678", "13812345678", "+86 138-1234-5678", "482913", "3", " 5000 ", "12345"]
)
def test_answers_made_of_digits_are_inform(text: str) -> None:
    assert digits_intent(text) == "inform"


@pytest.mark.parametrize("text", ["88", "886", "88!", "8888～"])
def test_chat_goodbyes_are_goodbye(text: str) -> None:
    assert digits_intent(text) == "goodbye"


@pytest.mark.parametrize("text", ["", "   ", "借呗3个月", "我的号码是13812345678", "一二三", "88块钱", "!!!"])
def test_anything_with_words_or_no_digit_is_left_to_the_classifier(text: str) -> None:
    assert digits_intent(text) is None
