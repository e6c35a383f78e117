"""A journey question still waiting for its answer survives a side question (issue 12.2).

While the bot waits for a pause length, a new limit, a product or the services to
unbind, the customer may ask something else first (影响征信吗). The side question is
answered by its own rule; then the waiting question is asked again, briefly, and the
next answer (a length, a product, an amount) goes back to the journey that asked.

Which question waits is kept in the `journey_question` slot as a plain dict (see
`WaitingQuestion`). The question still waits only while the journey that asked it is
the latest journey step in the conversation: a new request, a form, a handoff or a
refusal (算了) ends it. The dialogue side is components/pending_question_policy.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
}

# Steps that start, end or replace a journey: the latest of them decides whether a question still waits.
JOURNEY_STEPS = frozenset(
    {
        *ASKED_BY.values(),
        "action_prepare_withdrawal",
        "action_explain_data_deletion",
        "action_issue_certificate",
        "action_submit_closure",
        "action_apply_change",
        "action_withdraw_request",
        "action_submit_data_deletion",
        "action_request_human",
        "action_leave_message",
        "action_decline",
        "action_restart",
        "action_session_start",
        "closure_form",
        "change_form",
        "withdraw_form",
        "data_deletion_form",
        "callback_form",
    }
)

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


def still_waiting(waiting: WaitingQuestion | None, actions: Iterable[str]) -> WaitingQuestion | None:
    """`waiting`, when the journey that asked it is still the latest journey step of `actions` (oldest first)."""
    if waiting is None or waiting.asked_by is None:
        return None
    steps = [a for a in actions if a in JOURNEY_STEPS]
    return waiting if steps and steps[-1] == waiting.asked_by else None


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
