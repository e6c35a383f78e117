"""A journey question still waiting for its answer survives a side question (issue 12.2).

While the bot waits for a pause length, a new limit, a product or the services to
unbind, the customer may ask something else first (影响征信吗). The side question is
answered by its own rule; then the waiting question is asked again, briefly, and the
next answer (a length, a product, an amount) goes back to the journey that asked.

Which question waits is kept in the `journey_question` slot as a plain dict (see
`WaitingQuestion`). The question still waits only while nothing but side answers (and
asking it again) happened since its journey asked it: a new request, a form, a handoff,
a complaint, a theft report, a goodbye or a refusal (算了) is the customer walking away,
and the slot's question is never asked again after that, even where the slot was not
cleared. The dialogue side is components/pending_question_policy.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Which check action asks which journey question (the question's response name).
ASKED_BY = {
    "utter_ask_pause_product": "action_check_pause",
    "utter_ask_pause_duration": "action_check_pause",
    "utter_ask_limit_product": "action_check_limit",
    "utter_ask_limit_amount": "action_check_limit",
    "utter_unbind_list": "action_check_unbind",
    "utter_unbind_list_other": "action_check_unbind",
    "utter_unbind_which_product": "action_check_unbind",
    "utter_ask_reopen_product": "action_check_reopen",
    "utter_ask_closure_product": "action_check_closure",
    "utter_ask_certificate_product": "action_issue_certificate",
}

# Answers to a side question, after which the waiting question is asked again.
SIDE_ANSWERS = frozenset(
    {
        "action_explain_credit_impact",
        "action_explain_closure_effects",
        "action_explain_platform_closure",
        "action_explain_from_knowledge",
        "action_show_requests",
        "utter_iamabot",
        "utter_you_are_welcome",
        "action_answer_out_of_scope",
        "utter_greet",
    }
)
RETURN_ACTION = "action_return_to_question"
LISTEN = "action_listen"
# Steps after which the question still waits though they do not ask it again: a follow-up or a second question
# answered from the account data (ConversationContextPolicy), 「好的」 said while it waits, 「以后还能开吗」.
# Anything not listed here or in SIDE_ANSWERS, after the journey asked, is the customer walking away.
NEUTRAL_STEPS = frozenset(
    {
        "action_answer_follow_up",
        "action_answer_push_back",
        "action_offer_second_question",
        "action_answer_second_question",
        "action_nothing_pending",
        "action_explain_reopen_later",
    }
)
KEEPS_WAITING = SIDE_ANSWERS | NEUTRAL_STEPS | {RETURN_ACTION, LISTEN}
# What answers a journey question asked again: a length, product, amount or service (inform), or words the
# NLU could not place (the journey's own check asks to rephrase and counts it). A journey intent starts over.
ANSWER_INTENTS = frozenset({"inform", "nlu_fallback"})


@dataclass(frozen=True)
class WaitingQuestion:
    """The question the bot asked and waits an answer to, as the slot keeps it."""

    question: str  # the response that asks it, e.g. utter_ask_pause_duration
    reasks: int  # how often it was asked again after answers that did not settle it
    reply: Mapping[str, Any] | None = None  # the question as said: {"params": {...}, "buttons": [[title, payload]]}

    @property
    def asked_by(self) -> str | None:
        """The check action the answer goes back to."""
        return ASKED_BY.get(self.question)

    def as_slot(self) -> dict[str, Any]:
        """The `journey_question` slot value."""
        slot: dict[str, Any] = {"question": self.question, "reasks": self.reasks}
        if self.reply is not None:
            slot["reply"] = dict(self.reply)
        return slot


def waiting_from_slot(value: object) -> WaitingQuestion | None:
    """The slot's question; None for an empty slot or anything else the HTTP API may have put there."""
    if not isinstance(value, dict) or not isinstance(value.get("question"), str):
        return None
    reasks = value.get("reasks")
    count = int(reasks) if isinstance(reasks, (int, float)) and not isinstance(reasks, bool) and reasks > 0 else 0
    reply = value.get("reply")
    return WaitingQuestion(value["question"], count, reply if isinstance(reply, dict) else None)


def still_waiting(waiting: WaitingQuestion | None, actions: Sequence[str]) -> WaitingQuestion | None:
    """`waiting`, when only side answers ran since the journey that asked it last ran (`actions`: oldest first).

    A new request (another journey's check, a certificate, a form), a handoff, a complaint, a theft report, a
    goodbye, 算了 or a new session after the question means the customer walked away from it.
    """
    if waiting is None or waiting.asked_by is None or waiting.asked_by not in actions:
        return None
    asked_at = len(actions) - 1 - list(reversed(actions)).index(waiting.asked_by)
    return waiting if all(a in KEEPS_WAITING for a in actions[asked_at + 1 :]) else None


def next_step(waiting: WaitingQuestion | None, *, latest_action: str, intent: str | None, in_form: bool) -> str | None:
    """The action that keeps a waiting question alive, or None to leave the turn to the other policies.

    * right after a side question was answered: ask the waiting question again;
    * after asking it again: listen;
    * the customer's answer to it (after a side question): back to the journey that asked.
    Forms ask their own questions again (their rules), so nothing is predicted inside one.
    """
    if waiting is None or in_form:
        return None
    if latest_action in SIDE_ANSWERS:
        return RETURN_ACTION
    if latest_action == RETURN_ACTION:
        return LISTEN
    if latest_action == LISTEN and intent in ANSWER_INTENTS:
        return waiting.asked_by
    return None
