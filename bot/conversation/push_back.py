"""Push-back on the bot's last answer: 「我早就收到货了」「还是不行」「你刚才说过了」, or the same question again.

Repeating the same canned block word for word is what a machine does; a person
shortens it, answers the objection, or offers someone else (issue 12, part 6).
This module only reads the message; the answers are in bot/conversation/answers.py.
An account-theft signal (「我没关过」) is not a push-back: the fraud handoff reads it first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

from bot.conversation.context import compact

# Messages shorter than this repeated are acknowledgements (好的, 嗯嗯), not the same question again.
MIN_REPEAT_CHARS = 4
# How many earlier user messages a repeated question is looked for in.
REPEAT_WINDOW = 4
# A repeat of these is no question (yes, no, thanks, hello, bye).
_NOT_QUESTIONS = frozenset({"affirm", "deny", "thank", "greet", "goodbye"})


class PushBack(str, Enum):
    """How the user pushes back."""

    ALREADY_DONE = "already_done"  # 我早就收到货了 · 钱已经还了: the data the answer rests on is disputed
    NOT_WORKING = "not_working"  # 还是不行
    SAID_BEFORE = "said_before"  # 你刚才说过了
    REPEAT = "repeat"  # the same question again


# What the user says they did, for the answer to address: received the goods, repaid, refund arrived.
class Done(str, Enum):
    """What an ALREADY_DONE push-back says was done."""

    RECEIVED = "received"
    REPAID = "repaid"
    REFUNDED = "refunded"


_DONE_WORDS: tuple[tuple[Done, re.Pattern[str]], ...] = (
    (Done.RECEIVED, re.compile(r"收到货|确认收货|收货了|东西到了|货到了")),
    (Done.REFUNDED, re.compile(r"退款(?:已经)?(?:到了|到账|退了|收到)|钱退(?:回来)?了|已经退")),
    (Done.REPAID, re.compile(r"(?:早就?|已经|都|早都|刚)(?:还|还清|还完|还上|结清|付)了?|还清了|还完了|还过了")),
)
_QUESTION = re.compile(r"吗|么|嘛|是不是|能不能|可不可以|怎么|为什么|多少|哪")
_NOT_WORKING = re.compile(r"还是不行|还是不能|还是不对|还是没用|还是一样|没用啊|不管用|没解决|没有用|不好使|还是办不了")
_SAID_BEFORE = re.compile(
    r"说过了|刚才说了|刚说了|刚说过|你说过|别重复|不要重复|又是这些|又是这段|复读|一样的话|同样的话|车轱辘话"
)
MAX_PUSH_BACK_CHARS = 20


def read_push_back(text: str) -> PushBack | None:
    """The push-back in a short message, or None."""
    plain = compact(text)
    if not plain or plain.startswith("/") or len(plain) > MAX_PUSH_BACK_CHARS:
        return None
    if _SAID_BEFORE.search(plain):
        return PushBack.SAID_BEFORE
    if _NOT_WORKING.search(plain):
        return PushBack.NOT_WORKING
    if done_of(plain) is not None and not _QUESTION.search(plain):
        return PushBack.ALREADY_DONE
    return None


def done_of(text: str) -> Done | None:
    """What the user says was already done, if anything."""
    plain = compact(text)
    return next((done for done, pattern in _DONE_WORDS if pattern.search(plain)), None)


# Words people add when they ask again (「借呗到底能注销吗」): the question is the same without them.
_INSISTING = re.compile(r"到底|究竟|请问|我想问一?下|问一?下|再问一?下|我就想知道|^那|^喂|[啊呀呢吧嘛哦]")


def is_repeat(text: str, intent: str | None, earlier: Sequence[str]) -> bool:
    """Whether `text` asks again what one of the last user messages asked, in the same words.

    `earlier`: the texts of the previous user messages, oldest first. Punctuation, spaces and
    insisting words (到底, 请问, 啊 ...) do not make a question another one.
    """
    plain = _question_words(text)
    if len(plain) < MIN_REPEAT_CHARS or plain.startswith("/") or intent in _NOT_QUESTIONS:
        return False
    return any(_question_words(before) == plain for before in earlier[-REPEAT_WINDOW:])


def _question_words(text: str) -> str:
    return _INSISTING.sub("", compact(text))
