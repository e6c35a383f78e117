"""Confirming and applying an account change: pause, resume/reopen, lower limit, unbind.

Each journey's check action (actions/pause.py, limit.py, unbind.py) ends with
`offer_events`: when a change is possible it is kept in `pending_change` and
`change_form` asks `utter_ask_change_confirmed`; `action_apply_change` then
applies it only after an explicit yes. Slot names here match domain.yml.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import CustomerAction, catalog, channel_of, in_session, render, say
from bot.changes import ChangeContext, apply_change
from bot.core.change_offer import ChangeOffer

# Slots a journey may leave behind; cleared whenever a change is applied or dropped.
INPUT_SLOTS = ("duration", "limit_amount")


def reset_events(*keep: str) -> list[dict[str, Any]]:
    """Forget any pending change (and the journey inputs not in `keep`)."""
    events = [
        SlotSet("change_ready", False),
        SlotSet("pending_change", None),
        SlotSet("change_question", None),
        SlotSet("change_confirmed", None),
    ]
    return events + [SlotSet(s, None) for s in INPUT_SLOTS if s not in keep]


def unclear_answer(tracker: Tracker, dispatcher: CollectingDispatcher, *, usable: bool) -> list[dict[str, Any]] | None:
    """When the NLU was unsure and the message holds nothing usable, ask to rephrase and keep the journey's state.

    Returns the events to return, or None when the message should be handled normally.
    """
    if usable or (tracker.latest_message.get("intent") or {}).get("name") != "nlu_fallback":
        return None
    dispatcher.utter_message(response="utter_default")
    return reset_events(*INPUT_SLOTS)


def offer_events(
    dispatcher: CollectingDispatcher, domain: DomainDict, offer: ChangeOffer, *, keep: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Say the offer's replies; when it holds a change, set up the confirmation."""
    say(dispatcher, domain, offer.replies)
    if offer.change is None or offer.question is None:
        return reset_events(*keep)
    return [
        *reset_events(),
        SlotSet("change_ready", True),
        SlotSet("pending_change", offer.change),
        SlotSet("change_question", render(domain, offer.question)),
    ]


class ActionApplyChange(CustomerAction):
    """Apply the pending change after an explicit yes; otherwise say nothing changed."""

    def name(self) -> str:
        return "action_apply_change"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return reset_events()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        change = tracker.get_slot("pending_change")
        if not isinstance(change, dict) or tracker.get_slot("change_confirmed") is not True:
            dispatcher.utter_message(response="utter_change_not_applied")
            return reset_events()
        ctx = ChangeContext(customer_id, channel_of(tracker), self.today(), catalog())
        parts = await in_session(lambda s: apply_change(s, change, ctx))
        say(dispatcher, domain, parts)
        return reset_events()
