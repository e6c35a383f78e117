"""What the conversation is about, so that a short follow-up is read against it.

「那借呗呢」「进度呢」「那现在能用了吗」 name no product, no verb or neither: the
subject and the products come from the turns before. The context is folded from
the conversation's user turns (the tracker is where it persists), so the dialogue
policy and the actions derive the same one from the same events. A follow-up is
only ever answered: it never starts a change (`bot/conversation/answers.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache

from bot.core.catalog import load_catalog
from bot.nlu.textnorm import normalise, quiet_noise


class Subject(str, Enum):
    """What a turn was about."""

    CLOSING = "closing"
    STATUS = "status"
    USABLE = "usable"
    REQUESTS = "requests"
    BILL = "bill"
    REPAY_THEN_CLOSE = "repay_then_close"
    CREDIT = "credit"
    EFFECTS = "effects"
    PLATFORM = "platform"
    PAUSE = "pause"
    REOPEN = "reopen"
    LIMIT = "limit"
    UNBIND = "unbind"
    CERTIFICATE = "certificate"
    DELETION = "deletion"


# The subject each contract intent sets (../shared/spec/intents.md); other intents keep the context.
INTENT_SUBJECTS: dict[str, Subject] = {
    "close_account": Subject.CLOSING,
    "check_request_status": Subject.REQUESTS,
    "cancel_request": Subject.REQUESTS,
    "ask_credit_impact": Subject.CREDIT,
    "ask_closure_effects": Subject.EFFECTS,
    "ask_closed_by_platform": Subject.PLATFORM,
    "pause_credit": Subject.PAUSE,
    "reopen_account": Subject.REOPEN,
    "lower_limit": Subject.LIMIT,
    "unbind_service": Subject.UNBIND,
    "request_settlement_certificate": Subject.CERTIFICATE,
    "ask_data_deletion": Subject.DELETION,
}
# The request kind (service_requests.kind) a journey files: 「进度呢」 after one asks about that kind first.
JOURNEY_REQUEST_KINDS = {
    "close_account": "close",
    "reopen_account": "reopen",
    "pause_credit": "pause",
    "unbind_service": "unbind",
    "ask_data_deletion": "data_deletion",
    "cancel_request": "close",
}


class Ask(str, Enum):
    """What a short follow-up asks."""

    SAME = "same"  # 那借呗呢: the last subject, for the product named or the other one
    STATUS = "status"  # 另一个也关了没
    USABLE = "usable"  # 那现在能用了吗
    PROGRESS = "progress"  # 进度呢 · 大概要几天
    BILL = "bill"  # 这个月要还多少 哪天还
    REPAY_THEN_CLOSE = "repay_then_close"  # 我现在还上是不是就能关
    # Read only as one of several questions in a message; alone, the NLU's journey reading stands.
    CAN_CLOSE = "can_close"
    CREDIT = "credit"


_ASK_SUBJECTS = {
    Ask.STATUS: Subject.STATUS,
    Ask.USABLE: Subject.USABLE,
    Ask.PROGRESS: Subject.REQUESTS,
    Ask.BILL: Subject.BILL,
    Ask.REPAY_THEN_CLOSE: Subject.REPAY_THEN_CLOSE,
    Ask.CAN_CLOSE: Subject.CLOSING,
    Ask.CREDIT: Subject.CREDIT,
}
CLAUSE_ONLY = frozenset({Ask.CAN_CLOSE, Ask.CREDIT})

# Elliptical messages are short; a long one names its own subject and is the NLU's to read.
MAX_FOLLOW_UP_CHARS = 18
PRODUCT_MARK = "Ｐ"  # stands for a product name in the text the patterns read

_OTHER = r"(?:另一个|另外一个|另外那个|另个|另一|另外的|其他的|别的)"
_QUESTION = r"(?:吗|么|嘛|没|是不是|能不能|可不可以|行不行|就能|就可以)"
_PATTERNS: tuple[tuple[Ask, re.Pattern[str]], ...] = (
    (
        Ask.REPAY_THEN_CLOSE,
        # a repayment word, a closing word and a question, in any order (是不是还了钱就能注销)
        re.compile(
            rf"^(?=.*(?:还上|还清|还完|还了|结清|还掉|把钱还|全还|还钱))(?=.*(?:关|注销|销户))(?=.*{_QUESTION})"
        ),
    ),
    (
        Ask.STATUS,
        re.compile(
            r"(?:关|关掉|关闭|注销|注销掉|停|暂停|恢复|解绑)了(?:没|吗|么|嘛)|什么状态|啥状态|状态呢|"
            r"(?:办|弄)好了(?:没|吗)|成功了(?:没|吗)|生效了(?:没|吗)"
        ),
    ),
    (
        Ask.PROGRESS,
        re.compile(
            r"进度|到哪一?步|到哪了|要几天|几天能|要多久|多久能好|多久有结果|什么时候有结果|什么时候能好|"
            r"审核(?:要)?多久|多久(?:能|可以|才能)?办?(?:好|完|批|通过)|审核完了|有结果了|有结果没|批下来|通过了(?:没|吗)"
        ),
    ),
    (
        Ask.BILL,
        re.compile(
            r"还多少|还款(?:是)?多少|(?:几号|哪天|什么时候)到期|要还(?:的)?(?:钱)?(?:是)?多少|哪天还(?![能可会])|几号还(?![能可会])|还款日|"
            r"什么时候(?:要)?还款|什么时候要还|账单(?:是)?多少|账单日|这期多少|下期多少|(?:这|下)个?月(?:要)?还"
        ),
    ),
    (
        Ask.USABLE,
        re.compile(
            r"(?:能|可以)(?:用|借|刷|花|付款|消费|借钱|正常用)了?(?:吗|没|嘛|么)|能不能用|可不可以用|"
            r"(?:能|可以)用了|还能用吗"
        ),
    ),
    (
        Ask.CAN_CLOSE,
        re.compile(rf"(?:能|可以|可不可以|能不能)(?:注销|关|关掉|关闭|销户)|(?:注销|关闭|关掉){_QUESTION}"),
    ),
    (Ask.CREDIT, re.compile(r"征信|信用记录|信用报告|影响信用|信用分|芝麻分")),
)
# Words that make a message a request or question of its own, not an ellipsis, per ask.
_NOT_ELLIPTICAL = {
    Ask.PROGRESS: re.compile(
        r"注销|关|暂停|解绑|删除|恢复|开通|逾期|记录|征信|证明|申请"
    ),  # 申请: a full status question
    Ask.USABLE: re.compile(r"关|注销|以后|之后|征信|换个号|还款"),
    Ask.BILL: re.compile(r"征信|逾期|影响|提前|自动|怎么还|最低|暂停|停到|验证码|证明"),
    Ask.STATUS: re.compile(r"征信|影响|以后|之后|会不会|怎么|为什么"),
    Ask.REPAY_THEN_CLOSE: re.compile(r"征信|影响|以后|之后"),
}
_SAME = re.compile(
    rf"^(?:那|那么|嗯|哦|好|好的)?(?:我的|我)?(?:{PRODUCT_MARK}|{_OTHER})(?:那个|那边|这边|的话|的)?"
    r"(?:呢|咋样|怎么样|如何|也一样吗|也是吗|也是这样吗|一样吗|也这样吗)$"
)
_OTHER_WORDS = re.compile(_OTHER)
_FILLER = re.compile(r"[\s!?.,~。，、…！？；;：:\"'“”‘’（）()【】\[\]「」~]+")


@dataclass(frozen=True)
class FollowUp:
    """A message (or clause) read as a follow-up: what it asks and which products it names."""

    ask: Ask
    products: tuple[str, ...] = ()
    other: bool = False  # 另一个: the product(s) not talked about so far
    text: str = ""


@dataclass(frozen=True)
class Context:
    """The subject, the products and the journey of the conversation so far."""

    subject: Subject | None = None
    products: tuple[str, ...] = ()
    journey: str | None = None  # the last change-journey intent (close_account, pause_credit ...)


@dataclass(frozen=True)
class Question:
    """A follow-up resolved against the context: what to answer, for which products."""

    subject: Subject
    products: tuple[str, ...]
    journey: str | None = None
    text: str = ""
    ask: Ask = Ask.SAME


@dataclass(frozen=True)
class UserTurn:
    """One user message as the context needs it: what was typed and the NLU's intent."""

    text: str
    intent: str | None = None


@lru_cache(maxsize=1)
def catalog_products() -> tuple[str, ...]:
    """The catalog's product ids, in catalog order."""
    return tuple(p.id for p in load_catalog().products)


@lru_cache(maxsize=1)
def _aliases() -> tuple[tuple[str, str], ...]:
    """(normalised alias, product id), longest first, so 蚂蚁花呗 wins over 花呗."""
    pairs = {normalise(alias): p.id for p in load_catalog().products for alias in (p.display_name, *p.aliases)}
    return tuple(sorted(pairs.items(), key=lambda pair: -len(pair[0])))


def compact(text: str) -> str:
    """Normalised text without spaces, punctuation, repeated marks or emoji: what the patterns read."""
    return _FILLER.sub("", quiet_noise(normalise(text or "")))


def mark_products(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` with each product name replaced by PRODUCT_MARK, and the products named, in order."""
    found: list[tuple[int, str]] = []
    for alias, product in _aliases():
        start = text.find(alias)
        while start >= 0:
            if not _inside_latin_word(text, start, len(alias)):
                found.append((start, product))
                text = text[:start] + PRODUCT_MARK + text[start + len(alias) :]
            start = text.find(alias, start + 1)
    return text, tuple(dict.fromkeys(product for _, product in sorted(found)))


def _inside_latin_word(text: str, start: int, length: int) -> bool:
    # "hb" inside "github" is no product name
    if not text[start : start + length].isascii():
        return False
    before = text[start - 1] if start > 0 else ""
    after = text[start + length] if start + length < len(text) else ""
    return any(c.isascii() and c.isalnum() for c in before + after)


def read_clause(text: str) -> FollowUp | None:
    """What a short clause asks, or None when it is not one of the elliptical shapes above."""
    plain = compact(text)
    if not plain or plain.startswith("/") or len(plain) > MAX_FOLLOW_UP_CHARS:
        return None
    marked, products = mark_products(plain)
    other = bool(_OTHER_WORDS.search(marked))
    if _SAME.match(marked):
        return FollowUp(Ask.SAME, products, other, text)
    for ask, pattern in _PATTERNS:
        blocked = _NOT_ELLIPTICAL.get(ask)
        if pattern.search(marked) and not (blocked and blocked.search(marked)):
            return FollowUp(ask, products, other, text)
    return None


def read_message(text: str) -> tuple[FollowUp | None, ...]:
    """Each clause of a message read on its own (None for a clause that is no follow-up shape)."""
    return tuple(read_clause(clause) for clause in split_clauses(text))


def read_follow_up(text: str) -> FollowUp | None:
    """The whole message as one follow-up: every clause asks the same thing, one that may stand alone.

    「这个月要还多少 哪天还」 is one question in two clauses; 「借呗能注销吗 这个月还多少」 is two
    (`read_message`), and a clause-only ask (can it be closed, credit) alone is the NLU's to read.
    """
    readings = read_message(text)
    known = [r for r in readings if r is not None]
    if not readings or len(known) != len(readings):
        return None
    asks = {r.ask for r in known}
    if len(asks) != 1 or known[0].ask in CLAUSE_ONLY:
        return None
    products = tuple(dict.fromkeys(p for r in known for p in r.products))
    return FollowUp(known[0].ask, products, any(r.other for r in known), text)


_CLAUSE_BREAK = re.compile(
    r"[\s,，。.?？!！;；]+|还有(?:一个|个)问题|还有就是|另外(?!一个|那个|的)|顺便问一?下|顺便|再问一?下|对了|以及"
)
_FILLER_ONLY = re.compile(rf"^(?:{PRODUCT_MARK}|那|那么|嗯|哦|我|我的|的|还有|请问|问下|问一下)*$")


def split_clauses(text: str) -> list[str]:
    """The clauses of a message, by punctuation, spaces and words that join two questions.

    A clause that is only a product name or a filler (「花呗 进度呢」) belongs to the next one.
    """
    if (text or "").startswith("/"):
        return [text]
    clauses: list[str] = []
    carried = ""
    for part in _CLAUSE_BREAK.split(normalise(text or "")):
        if not part.strip():
            continue
        if _FILLER_ONLY.match(mark_products(compact(part))[0]):
            carried += part
            continue
        clauses.append(carried + part)
        carried = ""
    if carried and clauses:
        clauses[-1] += carried
    elif carried:
        clauses.append(carried)
    return clauses


def resolve(follow_up: FollowUp, context: Context) -> Question | None:
    """The question a follow-up asks in this context; None when it leans on a subject there is none of."""
    subject = context.subject if follow_up.ask is Ask.SAME else _ASK_SUBJECTS[follow_up.ask]
    if subject is None:
        return None
    if follow_up.products:
        products = follow_up.products
    elif follow_up.other:
        products = tuple(p for p in catalog_products() if p not in context.products) or catalog_products()
    else:
        products = context.products
    return Question(subject, products, context.journey, follow_up.text, follow_up.ask)


def turn_reading(turn: UserTurn) -> tuple[str | None, tuple[str, ...]]:
    """The intent and products of a turn: a typed or tapped `/intent{...}` payload is read as such."""
    if turn.text.startswith("/"):
        match = re.match(r"^/([a-z_]+)(\{.*\})?$", turn.text.strip(), re.DOTALL)
        if match is None:
            return turn.intent, ()
        return match.group(1), _payload_products(match.group(2))
    return turn.intent, mark_products(compact(turn.text))[1]


def _payload_products(raw: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(raw or "{}").get("product")
    except (ValueError, AttributeError):
        return ()
    values = value if isinstance(value, list) else [value]
    return tuple(v for v in values if isinstance(v, str) and v in catalog_products())


@lru_cache(maxsize=4096)
def advance(context: Context, turn: UserTurn) -> Context:
    """The context after one more user turn.

    Kept for the turns seen lately: every prediction and action that reads the conversation
    folds all of its turns again (`fold`), and a turn's reading depends on nothing else.
    """
    follow_up = read_follow_up(turn.text)
    question = resolve(follow_up, context) if follow_up is not None else None
    if question is not None:
        return replace(context, subject=question.subject, products=question.products)
    intent, products = turn_reading(turn)
    if intent in INTENT_SUBJECTS:
        journey = intent if intent in JOURNEY_REQUEST_KINDS else context.journey
        return Context(INTENT_SUBJECTS[intent], products or context.products, journey)
    return replace(context, products=products) if products else context


def fold(turns: Sequence[UserTurn]) -> Context:
    """The context after all `turns`, oldest first."""
    context = Context()
    for turn in turns:
        context = advance(context, turn)
    return context
