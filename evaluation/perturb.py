"""A perturbed copy of a labelled set: the ways real users type the same question.

Each message gets one or two of: homophone typos (product names and the particles
IMEs confuse), traditional characters, punctuation stripped or repeated, filler
words. Deterministic: the choices are seeded by the message id.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

from evaluation.heldout import Labelled

# Typos real users make with pinyin input methods.
HOMOPHONES = {
    "花呗": ("花被", "花贝", "花背", "华呗", "花倍"),
    "借呗": ("借贝", "借被", "接呗", "借背", "节呗"),
    "吗": ("嘛", "么"),
    "的": ("得", "地"),
    "在": ("再",),
    "账": ("帐",),
    "已经": ("以经",),
}
OPENING_FILLERS = ("请问", "那个", "嗯", "你好，", "我想问一下", "问下")
CLOSING_FILLERS = ("呢", "啊", "呀", "哈")
_PUNCTUATION = re.compile(r"[，。？！、,.?!~～；;：:\s]+")


@lru_cache(maxsize=1)
def _simplified_to_traditional() -> dict[str, str]:
    text = (resources.files("opencc") / "dictionary" / "STCharacters.txt").read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        simplified, _, traditional = line.partition("\t")
        if len(simplified) == 1 and traditional:
            table[simplified] = traditional.split()[0]
    return table


def homophone(text: str, rng: random.Random) -> str:
    """One word swapped for a typo that sounds the same."""
    present = [word for word in HOMOPHONES if word in text]
    if not present:
        return text
    word = rng.choice(present)
    return text.replace(word, rng.choice(HOMOPHONES[word]), 1)


def traditional(text: str, rng: random.Random) -> str:
    """The text in traditional characters."""
    table = _simplified_to_traditional()
    return "".join(table.get(c, c) for c in text)


def punctuation(text: str, rng: random.Random) -> str:
    """Punctuation stripped, or a run of ？？？/！！！ at the end."""
    if rng.random() < 0.5:
        return _PUNCTUATION.sub("", text)
    stem = text.rstrip("，。？！,.?!~～ ")
    return stem + rng.choice(("？？？", "！！！", "??", "。。。", "!!!"))


def filler(text: str, rng: random.Random) -> str:
    """A filler word before (请问, 那个) or a particle at the end (呢, 啊)."""
    if rng.random() < 0.5:
        return rng.choice(OPENING_FILLERS) + text
    stem = text.rstrip("，。？！,.?!~～ ")
    return stem + rng.choice(CLOSING_FILLERS) + text[len(stem) :]


PERTURBATIONS: tuple[Callable[[str, random.Random], str], ...] = (homophone, traditional, punctuation, filler)


def perturb(example: Labelled, seed: int = 0) -> Labelled:
    """The message with one or two perturbations, chosen by its id; label unchanged."""
    rng = random.Random(f"{seed}:{example.id}")
    text = example.text
    for change in rng.sample(PERTURBATIONS, rng.choice((1, 2))):
        text = change(text, rng)
    if text == example.text:  # nothing to change (no punctuation to strip, say): add a filler word
        text = filler(text, rng)
    return Labelled(example.id, example.slice, text, example.intent, example.alternates)


def perturbed(examples: list[Labelled], seed: int = 0) -> list[Labelled]:
    """The perturbed copy of a set."""
    return [perturb(e, seed) for e in examples]
