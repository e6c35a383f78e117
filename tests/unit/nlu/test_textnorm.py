from __future__ import annotations

import random

import pytest

from bot.nlu.textnorm import normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("借唄能註銷嗎", "借呗能注销吗"),
        ("怎麼關閉花唄", "怎么关闭花呗"),
        ("ＡＢＣ１２３", "abc123"),
        ("花B HB Huabei", "花b hb huabei"),
        ("全角　空格", "全角 空格"),
        ("？！，", "?!,"),
        ("已经是简体的句子", "已经是简体的句子"),
        ("😀花唄🙏🏽", "😀花呗🙏🏽"),
        ("", ""),
    ],
)
def test_normalise_examples(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_emoji_and_chinese_punctuation_untouched() -> None:
    text = "👍🏻👨‍👩‍👧。、「」"
    assert normalise(text) == text


def test_chained_opencc_entries_are_followed_to_the_end() -> None:
    # 薴 → 苧 → 苎 in OpenCC; one pass must land on the final form.
    assert normalise("薴") == normalise(normalise("薴"))


def _varied_strings(count: int) -> list[str]:
    """Random strings drawn from every range the normaliser treats specially."""
    rng = random.Random(20261122)
    pools = [
        "借唄花唄註銷關閉麼於後乾髮鍾隻薴",
        "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000",
        "ABCXYZabcxyz0189 ÀÉÎÕÜİẞǅ",
        "花呗借呗注销关闭，。！？、",
        "😀👍🏻👨‍👩‍👧🇨🇳\u200d\ufe0f",
        "".join(chr(c) for c in range(0x4E00, 0x4E00 + 300)),
    ]
    alphabet = "".join(pools)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(count)]


def test_length_preserved_and_idempotent_over_varied_strings() -> None:
    for text in _varied_strings(2000):
        once = normalise(text)
        assert len(once) == len(text), text
        assert normalise(once) == once, text
        # characters outside the folded ranges pass through unchanged
        for before, after in zip(text, once, strict=True):
            if ord(before) > 0xFFFF:
                assert before == after


def test_length_preserved_for_every_bmp_character() -> None:
    everything = "".join(chr(c) for c in range(0x20, 0xFFFF) if not 0xD800 <= c <= 0xDFFF)
    assert len(normalise(everything)) == len(everything)


@pytest.mark.parametrize(
    ("text", "quiet"),
    [
        ("关闭花呗!!!", "关闭花呗!  "),
        ("为什么关了???", "为什么关了?  "),
        ("怎么注销。。。", "怎么注销。  "),
        ("谢谢😀😀", "谢谢  "),
        ("花呗?借呗!", "花呗?借呗!"),  # single marks stay
    ],
)
def test_repeated_punctuation_and_emoji_become_spaces_of_the_same_length(text: str, quiet: str) -> None:
    from bot.nlu.textnorm import quiet_noise

    assert quiet_noise(text) == quiet
    assert len(quiet_noise(text)) == len(text)
