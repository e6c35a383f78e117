"""Confirming and applying an account change: pause, resume/reopen, lower limit, unbind.

Each journey's check action (actions/pause.py, limit.py, unbind.py) ends with
`offer_events`: when a change is possible it is kept in `pending_change` and
`change_form` asks `utter_ask_change_confirmed`; for a change that needs a
one-time code (lower limit, unbind: bot.changes.step_up_purpose) the yes sends
one and the form asks for it (`change_code`). `action_apply_change` then
applies it, and bot.changes.apply_change consumes the code's verification from
the database first. Slot names here match domain.yml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import BotAction, CustomerAction, catalog, channel_of, customer_of, in_session, render, say
from actions.step_up import (
    VERIFIED,
    AskCodeAction,
    Entered,
    check_typed_code,
    code_reasks,
    reask_slot,
    reasks_cleared,
    send_code,
)
from bot.changes import ChangeContext, apply_change, change_fingerprint, step_up_purpose
from bot.core.change_offer import MAX_REASKS, ChangeOffer, limit_reasks, question_of, unclear_in_form
from bot.core.pending import WaitingQuestion, still_waiting, waiting_from_slot
from bot.core.replies import Part, Reply

# Slots a journey may leave behind; cleared whenever a change is applied or dropped.
INPUT_SLOTS = ("duration", "limit_amount", "unbind_kept")


def reset_events(*keep: str) -> list[dict[str, Any]]:
    """Forget any pending change (and the journey inputs not in `keep`)."""
    events = [
        SlotSet("change_ready", False),
        SlotSet("pending_change", None),
        SlotSet("change_question", None),
        SlotSet("change_confirmed", None),
        SlotSet("change_code", None),
        SlotSet(FORM_REASKS, None),
    ]
    return events + [SlotSet(s, None) for s in INPUT_SLOTS if s not in keep]


# How often a confirmation (closure_form, change_form, data_deletion_form) was asked again after an answer
# that was not understood (bot.core.change_offer.unclear_in_form).
FORM_REASKS = "form_reasks"
# The yes/no slot each confirming form asks first.
CONFIRM_SLOTS = {
    "closure_form": "closure_confirmed",
    "change_form": "change_confirmed",
    "data_deletion_form": "deletion_confirmed",
    "withdraw_form": "withdraw_confirmed",
}


class ActionUnclearInForm(BotAction):
    """An answer to a confirmation that was not understood: ask again at most twice, then stop, nothing changed.

    The rules run the form right after this action: a confirmation set to no ends it at once (each form's
    required_slots), and its closing action says that nothing was submitted or changed. While a code is
    awaited the code question counts its own re-asks (actions/step_up.py).
    """

    may_repeat = True  # the form's question, asked again on purpose

    def name(self) -> str:
        return "action_unclear_in_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        confirm = CONFIRM_SLOTS.get(tracker.active_loop_name or "")
        if confirm is None or tracker.get_slot("requested_slot") != confirm:
            dispatcher.utter_message(response="utter_default")
            return []
        value = tracker.get_slot(FORM_REASKS)
        reasks = int(value) if isinstance(value, (int, float)) and value > 0 else 0
        replies, stop = unclear_in_form(reasks)
        say(dispatcher, domain, replies)
        if stop:
            return [SlotSet(FORM_REASKS, None), SlotSet(confirm, False)]
        return [SlotSet(FORM_REASKS, float(reasks + 1))]


# The journey question waiting for an answer and how often it was asked again (bot.core.pending.WaitingQuestion).
JOURNEY_QUESTION = "journey_question"
# Intents that answer a journey's question (a journey intent itself starts it over).
_ANSWERS = ("inform", "nlu_fallback")


def _waiting(tracker: Tracker) -> WaitingQuestion | None:
    return waiting_from_slot(tracker.get_slot(JOURNEY_QUESTION))


def _still_waiting(tracker: Tracker) -> WaitingQuestion | None:
    """The slot's question if the customer has not walked away from it since (bot.core.pending.still_waiting)."""
    actions = [str(e.get("name")) for e in tracker.events if e.get("event") == "action"]
    return still_waiting(_waiting(tracker), actions)


def forget_question() -> dict[str, Any]:
    """Clears the `journey_question` slot: the customer walked away (a handoff, a complaint, 算了)."""
    return SlotSet(JOURNEY_QUESTION, None)


def _question_slot(waiting: WaitingQuestion | None) -> dict[str, Any]:
    return SlotSet(JOURNEY_QUESTION, waiting.as_slot() if waiting else None)


def _asked(domain: DomainDict, offer: ChangeOffer, reasks: int) -> WaitingQuestion | None:
    """The offer's question as the slot keeps it: rendered, so it can be asked again after a side question."""
    question, last = question_of(offer), offer.last_question_part()
    if question is None or not isinstance(last, Reply):
        return None
    reply = {
        "params": {k: render(domain, v) for k, v in last.params.items()},
        "buttons": [[render(domain, title), payload] for title, payload in last.buttons],
    }
    return WaitingQuestion(question, reasks, reply)


def unclear_answer(tracker: Tracker, dispatcher: CollectingDispatcher, *, usable: bool) -> list[dict[str, Any]] | None:
    """When the NLU was unsure and the message holds nothing usable, ask to rephrase and keep the journey's state.

    That counts as asking the pending question again: the second time with the ways out, never a third
    (bot.core.change_offer.MAX_REASKS). Returns the events to return, or None when the message should be
    handled normally.
    """
    if usable or (tracker.latest_message.get("intent") or {}).get("name") != "nlu_fallback":
        return None
    waiting = _waiting(tracker)
    if waiting is not None and waiting.reasks >= MAX_REASKS:
        dispatcher.utter_message(response="utter_reask_stopped")
        return [*reset_events(), _question_slot(None)]
    dispatcher.utter_message(response="utter_default")
    if waiting is not None and waiting.reasks + 1 == MAX_REASKS:
        dispatcher.utter_message(response="utter_reask_way_out")
    again = replace(waiting, reasks=waiting.reasks + 1) if waiting else None
    return [*reset_events(*INPUT_SLOTS), _question_slot(again)]


def waiting_slot(domain: DomainDict, replies: list[Part]) -> dict[str, Any]:
    """The `journey_question` slot for a journey that asks its question outside offer_events (the closing product)."""
    return _question_slot(_asked(domain, ChangeOffer(replies), 0))


def offer_events(
    dispatcher: CollectingDispatcher,
    domain: DomainDict,
    offer: ChangeOffer,
    *,
    keep: tuple[str, ...] = (),
    tracker: Tracker | None = None,
) -> list[dict[str, Any]]:
    """Say the offer's replies; when it holds a change, set up the confirmation.

    With the tracker, a question asked again after an answer that did not settle it is counted, and
    asked at most twice more (bot.core.change_offer.limit_reasks).
    """
    asked: list[dict[str, Any]] = []
    if tracker is not None:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        waiting = _waiting(tracker)
        count = 0
        if intent in _ANSWERS and waiting is not None:
            offer, count = limit_reasks(offer, waiting.question, waiting.reasks)
        asked = [_question_slot(_asked(domain, offer, count))]
    say(dispatcher, domain, offer.replies)
    if offer.change is None or offer.question is None:
        return [*reset_events(*keep), *asked]
    return [
        *reset_events(),
        SlotSet("change_ready", True),
        SlotSet("pending_change", offer.change),
        SlotSet("change_question", render(domain, offer.question)),
        *asked,
    ]


def _pending(tracker: Tracker) -> dict[str, Any] | None:
    change = tracker.get_slot("pending_change")
    return change if isinstance(change, dict) else None


class ValidateChangeForm(FormValidationAction):
    """A yes; for a change that needs it, then a one-time code bound to exactly this change."""

    def name(self) -> str:
        return "validate_change_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot("change_confirmed") is False:
            return []  # saying no ends the form at once
        change = _pending(tracker)
        if change is None or step_up_purpose(change) is None:
            return ["change_confirmed"]
        return domain_slots

    async def validate_change_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by a new check, not an answer
            return {"change_confirmed": None}
        if value is not True:
            return {"change_confirmed": False}
        change = _pending(tracker)
        purpose = step_up_purpose(change) if change else None
        if change is None or purpose is None:
            return {"change_confirmed": True}
        sent = await send_code(
            dispatcher, domain, customer_id=customer_of(tracker), purpose=purpose, change=change_fingerprint(change)
        )
        return {"change_confirmed": sent, **reasks_cleared(tracker)}

    async def validate_change_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by a new check, not an answer
            return {"change_code": None}
        change = _pending(tracker)
        purpose = step_up_purpose(change) if change else None
        if change is None or purpose is None:
            return {"change_confirmed": False, "change_code": None}
        entered = await check_typed_code(
            dispatcher,
            domain,
            customer_id=customer_of(tracker),
            purpose=purpose,
            change=change_fingerprint(change),
            value=value,
            reasks=code_reasks(tracker),
        )
        reasked = reask_slot(tracker, value, entered)
        if entered is Entered.VERIFIED:
            return {"change_code": VERIFIED, **reasked}
        if entered is Entered.ASK_AGAIN:
            return {"change_code": None, **reasked}
        return {"change_confirmed": False, "change_code": None, **reasked}


class ActionAskChangeCode(AskCodeAction):
    """change_form's question for the code (lower limit, unbind)."""

    question = "utter_ask_change_code"

    def name(self) -> str:
        return "action_ask_change_code"


class ActionApplyChange(CustomerAction):
    """Apply the pending change after an explicit yes (and its code); otherwise say nothing changed."""

    def name(self) -> str:
        return "action_apply_change"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return reset_events()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        change = _pending(tracker)
        code_missing = change is not None and step_up_purpose(change) is not None
        code_missing = code_missing and tracker.get_slot("change_code") != VERIFIED
        if change is None or tracker.get_slot("change_confirmed") is not True or code_missing:
            dispatcher.utter_message(response="utter_change_not_applied")
            return reset_events()
        # For a change that needs a code, bot.changes checks the database, not the slot.
        ctx = ChangeContext(customer_id, channel_of(tracker), self.today(), catalog())
        parts = await in_session(lambda s: apply_change(s, change, ctx))
        say(dispatcher, domain, parts)
        return reset_events()


class ActionReturnToQuestion(BotAction):
    """After a side question: ask the journey question that still waits again, briefly (bot.core.pending).

    components/pending_question_policy.py runs it; the answer that follows goes back to the journey.
    """

    may_repeat = True  # the same question, asked again on purpose after each side question

    def name(self) -> str:
        return "action_return_to_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        waiting = _still_waiting(tracker)
        if waiting is None or waiting.reply is None:
            return []
        params, buttons = _reply_parts(waiting.reply)
        dispatcher.utter_message(response="utter_back_to_question")
        dispatcher.utter_message(response=waiting.question, buttons=buttons or None, **params)
        return []


def _reply_parts(reply: Mapping[str, Any]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """A stored question's parameters and buttons, as text (the slot can hold anything the HTTP API put there)."""
    raw_params = reply.get("params")
    raw_buttons = reply.get("buttons")
    params = {str(k): str(v) for k, v in raw_params.items()} if isinstance(raw_params, dict) else {}
    buttons = [
        {"title": str(b[0]), "payload": str(b[1])}
        for b in (raw_buttons if isinstance(raw_buttons, list) else [])
        if isinstance(b, list) and len(b) == 2
    ]
    return params, buttons


class ActionDecline(BotAction):
    """「算了」「不用了」 with no form open: a waiting journey question ends, nothing changed; else say so honestly.

    Never a bare 「好的。」 that sounds as if something was done (issue 12.3).
    """

    def name(self) -> str:
        return "action_decline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if _still_waiting(tracker) is not None:
            dispatcher.utter_message(response="utter_change_not_applied")
        else:
            dispatcher.utter_message(response="utter_nothing_to_decline")
        return [*reset_events(), _question_slot(None)]
