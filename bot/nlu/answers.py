"""Short answers and requests for a person, read by rule instead of by the classifier.

The classifier is unreliable exactly where a wrong reading hurts most: a typed
button title (提交申请 read as out_of_scope, 不撤回 as cancel_request), natural
agreement (那就帮我办吧 fell back), a bare 取消, or 让个真人跟我说 read as "are you
a robot". These messages are short and formulaic, so a rule can be certain:

* agreement / refusal: the message, cut at spaces and punctuation, is made only of
  agreement (or only of refusal) phrases, with fillers (那就 … 吧) trimmed;
* a length alone (那就三个月吧, 停两年) answers the bot's length question: inform;
* asking for a person: a word for a person (真人, 人工, 客服 …) with a word of asking,
  never a question about what the bot is, never 人工提额-style requests (contract rule 11),
  never in a message that names a journey (the journey wins, contract rule 13).

Anything else is left to the classifier (None).
"""

from __future__ import annotations

import re

from bot.nlu.textnorm import normalise, quiet_noise

AFFIRM, DENY, INFORM, REQUEST_HUMAN = "affirm", "deny", "inform", "request_human"

# Agreement, after fillers are trimmed. Button titles that mean yes are here (确认关闭, 确认撤回, 提交申请):
# tests/unit/nlu/test_answers.py checks every /affirm button title in domain.yml against this list.
_AGREE = frozenset(
    {
        "确认", "确定", "确认关闭", "确认撤回", "确认提交", "提交", "提交申请", "确认解绑", "确认暂停",
        "好", "好的", "好滴", "好嘞", "行", "可以", "没问题", "同意", "是", "是的", "对", "对的", "嗯", "嗯嗯",
        "恩", "ok",
        "办", "办理", "帮我办", "帮我办理", "给我办", "这么办", "就这么办", "这样办", "继续", "确认办理",
    }
)  # fmt: skip
# Refusal, after fillers are trimmed; every /deny button title in domain.yml is here as well.
_REFUSE = frozenset(
    {
        "算", "算了", "不要", "取消", "不用", "不办", "不了", "先不", "先不用", "先不办", "先不关闭", "不关闭",
        "先不关", "不关", "不撤回", "不需要", "不想办", "不弄", "先不改", "不改", "不确认", "不提交", "先不提交",
        "不留言", "否", "不", "不好", "不行", "还是算", "不想要",
    }
)  # fmt: skip
_LEADING = ("那就", "那么", "那", "就", "还是", "嗯嗯", "嗯", "恩", "哦", "噢", "呃", "额")
_TRAILING = ("吧", "啊", "呀", "哈", "了", "呢", "哦", "嘛", "啦", "的", "哈哈")
# Spaces and punctuation split a message into pieces (行 就这么办 → 行 / 就这么办).
_SPLIT = re.compile(r"[\s,.!?~。，、！？…;；:：'\"“”‘’()（）]+")

# A length on its own: 三个月, 停两年, 先停半年, 90天.
_LENGTH = re.compile(
    r"^(先)?(停|暂停|停用)?(个)?([0-9]+|[一二两三四五六七八九十百]+|半)(个)?(天|日|周|星期|个月|月|季度|年)(吧|啊|了|就行|就好)?$"
)

# Asking for a person (contract: request_human covers 人工, 客服, 真人).
_PERSON = re.compile(r"真人|活人|人工|客服|工作人员|专员|真的人|人类|坐席")
_ASKING = re.compile(r"让|叫|找|要|换|转|接|跟我说|和我说|跟我聊|说话|沟通|对话|联系|给我|有没有|在吗|来")
# 「你是真人吗」 asks what the bot is (bot_challenge); 人工提额 and the like are about limits (out_of_scope).
_ABOUT_THE_BOT = re.compile(r"(你|您)(是|到底是|是不是)|是不是(真人|机器|人工)|机器人吗|是真人吗")
_NOT_A_PERSON = re.compile(r"人工(提额|审核|扣款|还款|调额|授信)|审核电话|回访电话")
# A message that names a journey is the journey's (contract rule 13): 联系客服怎么关闭花呗 is close_account.
_JOURNEY = re.compile(r"注销|关闭|关掉|暂停|解绑|恢复|开通|额度|征信|删除|撤回|证明|花呗|借呗|自动还款|免密")
_MAX_PERSON_CHARS = 20


def _core(piece: str) -> str:
    """A piece with leading and trailing fillers trimmed (那就帮我办吧 → 帮我办)."""
    changed = True
    while changed and piece:
        changed = False
        for lead in _LEADING:
            if piece.startswith(lead) and len(piece) > len(lead):
                piece, changed = piece[len(lead) :], True
        for trail in _TRAILING:
            if piece.endswith(trail) and len(piece) > len(trail):
                piece, changed = piece[: -len(trail)], True
    return piece


def _pieces(text: str) -> list[str]:
    # Emoji and punctuation runs carry feeling, not meaning (行！！！ 就这么办😤 agrees).
    return [p for p in _SPLIT.split(quiet_noise(normalise(text)).strip()) if p]


def yes_or_no(text: str) -> str | None:
    """AFFIRM when every piece of the message agrees, DENY when every piece refuses; None otherwise."""
    cores = [_core(p) for p in _pieces(text)]
    if not cores:
        return None
    if all(c in _AGREE for c in cores):
        return AFFIRM
    if all(c in _REFUSE for c in cores):
        return DENY
    return None


def is_length_answer(text: str) -> bool:
    """Whether the message is a pause length and nothing else (那就三个月吧, 停两年)."""
    pieces = _pieces(text)
    return len(pieces) == 1 and bool(_LENGTH.match(_strip_leading(pieces[0])))


def _strip_leading(piece: str) -> str:
    for lead in ("那就", "那", "就", "还是"):
        if piece.startswith(lead):
            return piece[len(lead) :]
    return piece


def asks_for_a_person(text: str) -> bool:
    """Whether the message asks to talk to a person (让个真人跟我说), not what the bot is, not a journey."""
    norm = quiet_noise(normalise(text)).strip()
    if len(norm) > _MAX_PERSON_CHARS or not _PERSON.search(norm) or not _ASKING.search(norm):
        return False
    return not (_ABOUT_THE_BOT.search(norm) or _NOT_A_PERSON.search(norm) or _JOURNEY.search(norm))


def answer_intent(text: str) -> str | None:
    """The intent a rule reads in `text` with certainty, or None to keep the classifier's reading."""
    if not text or text.startswith("/"):
        return None  # a button payload names its intent itself
    if asks_for_a_person(text):
        return REQUEST_HUMAN
    verdict = yes_or_no(text)
    if verdict is not None:
        return verdict
    return INFORM if is_length_answer(text) else None
