"""Whether a turn is a follow-up, a push-back or two questions, and what the dialogue does about it.

The dialogue policy (components/conversation_context_policy.py) and the actions
(actions/follow_up.py) both call this with what they read from the tracker, so
the turn is decided once, here, without Rasa. None means: not ours, the NLU's
reading and the rules decide as usual.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum

from bot.conversation.context import (
    INTENT_SUBJECTS,
    Context,
    Question,
    Subject,
    UserTurn,
    advance,
    compact,
    fold,
    read_follow_up,
    read_message,
    resolve,
    split_clauses,
)
from bot.conversation.push_back import PushBack, is_repeat, read_push_back


class Step(str, Enum):
    """What the dialogue does next."""

    FOLLOW_UP = "follow_up"  # answer the follow-up (or every question of the message) from the account data
    PUSH_BACK = "push_back"  # a short answer to the push-back, with a human offered
    OFFER_NEXT = "offer_next"  # after the main answer: 「还有一个问题：…，要我接着说吗？」
    ANSWER_OFFERED = "answer_offered"  # yes to that offer
    LISTEN = "listen"  # after one of the steps above: the turn is over


@dataclass(frozen=True)
class TurnView:
    """What the decision needs from the tracker."""

    text: str  # the latest user message
    intent: str | None  # the NLU's intent for it
    earlier: tuple[UserTurn, ...]  # the user messages before it, oldest first
    just_asked: bool  # True right after the message, before any action ran for it
    ours_ran: bool  # one of this module's steps already answered this turn
    answered_by: str | None  # the action that just answered (after the NLU's reading was acted on)
    pending: bool  # a form, a journey question or a choice (buttons) waits for the user
    offer_waiting: bool  # the bot's last message before this one was an OFFER_NEXT
    # positions in `earlier` of the messages answered only with an apology (the turn failed on our side):
    # asked again, such a question gets its answer, not the "as I said" of a repeat
    unanswered: frozenset[int] = frozenset()


# The actions after which a second question may be offered: answers that leave nothing waiting.
ANSWERING_ACTIONS = frozenset(
    {
        "action_explain_credit_impact",
        "action_explain_closure_effects",
        "action_explain_platform_closure",
        "action_explain_from_knowledge",
        "action_show_requests",
        "action_check_closure",
        "action_issue_certificate",
        "action_nothing_pending",
        "action_handle_fallback",
        "utter_you_are_welcome",
        "action_answer_out_of_scope",
        "utter_greet",
        "utter_iamabot",
    }
)
AFFIRM = "affirm"
# A yes to 「要我接着说吗？」 in the words people type, read whatever the model makes of them.
YES_WORDS = re.compile(r"^(?:好的|好啊|好呀|好|要的|要|嗯|说吧|你说|可以|行|继续|接着说|说说|是的|对)+$")
# Asking for a person or leaving is never read as a follow-up or a push-back, whatever words it uses.
_LEFT_TO_THE_RULES = frozenset({"request_human", "goodbye"})


def decide(view: TurnView) -> Step | None:
    """The next step of this turn, or None to leave it to the NLU's reading and the rules."""
    if view.ours_ran:
        return Step.LISTEN
    if view.just_asked:
        return None if view.pending else _on_message(view)
    if view.answered_by in ANSWERING_ACTIONS and not view.pending and second_question(view.text, view.intent):
        return Step.OFFER_NEXT
    return None


def _on_message(view: TurnView) -> Step | None:
    if view.intent in _LEFT_TO_THE_RULES:
        return None
    if view.offer_waiting and (view.intent == AFFIRM or YES_WORDS.match(compact(view.text)) is not None):
        return Step.ANSWER_OFFERED
    context = fold(view.earlier)
    if _asks_again(view):
        return Step.PUSH_BACK
    if questions_of(view.text, context) and (read_follow_up(view.text) or _all_clauses_read(view.text)):
        return Step.FOLLOW_UP
    if context.subject is not None and read_push_back(view.text) is not None:
        return Step.PUSH_BACK
    return None


# Subjects whose answer a repeated question gets shortened: questions. A change asked for again goes
# through its journey again, which re-checks the account (「已经解绑了」 is news, not a repeat).
REPEATABLE = frozenset(
    {
        Subject.CLOSING,
        Subject.STATUS,
        Subject.USABLE,
        Subject.REQUESTS,
        Subject.BILL,
        Subject.REPAY_THEN_CLOSE,
        Subject.CREDIT,
        Subject.EFFECTS,
        Subject.PLATFORM,
    }
)


def _asks_again(view: TurnView) -> bool:
    """The same question in the same words as one of the last messages, about a question subject."""
    answered = [t.text for i, t in enumerate(view.earlier) if i not in view.unanswered]
    if not is_repeat(view.text, view.intent, answered):
        return False
    return advance(Context(), UserTurn(view.text, view.intent)).subject in REPEATABLE


def push_back_of(view: TurnView) -> PushBack:
    """Which push-back a PUSH_BACK turn is (a repeat when the words are the same as before)."""
    if _asks_again(view):
        return PushBack.REPEAT
    return read_push_back(view.text) or PushBack.NOT_WORKING


def _all_clauses_read(text: str) -> bool:
    readings = read_message(text)
    return len(readings) > 1 and all(r is not None for r in readings)


def questions_of(text: str, context: Context) -> list[Question]:
    """The questions of a message, each resolved against the context the clauses before it left.

    A clause naming no product is about the one an earlier clause named (「借呗能注销吗 这个月还多少」).
    """
    questions: list[Question] = []
    for reading in read_message(text):
        question = resolve(reading, context) if reading is not None else None
        if question is None:
            continue
        if all((q.subject, q.products) != (question.subject, question.products) for q in questions):
            questions.append(question)  # 「这个月要还多少 哪天还」 is one question in two clauses
        context = replace(context, subject=question.subject, products=question.products or context.products)
    return questions


def second_question(text: str, intent: str | None) -> str | None:
    """The clause of a two-question message the main answer (the NLU's intent) left unanswered, if we can answer it."""
    clauses = split_clauses(text)
    readings = read_message(text)
    if len(clauses) < 2:
        return None
    answered = INTENT_SUBJECTS.get(intent or "")
    for clause, reading in zip(clauses, readings, strict=True):
        question = resolve(reading, Context(subject=answered)) if reading is not None else None
        if question is not None and question.subject != answered:
            return clause
    return None


def offered_question(text: str, earlier: Sequence[UserTurn]) -> list[Question]:
    """The questions of an offered clause, in the context of the conversation up to the offer."""
    return questions_of(text, fold(earlier))
