"""Pausing and resuming/reopening: 「先暂停三个月」「暂停的怎么恢复」「关了以后还能再开吗」.

action_check_pause / action_check_reopen → (change possible) change_form →
action_apply_change (actions/changes.py).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import offer_events, reset_events, unclear_answer
from actions.common import CustomerAction, catalog, customer_or_say, slot_list
from bot.core.product_choice import choose_products
from bot.pause.reopen_replies import reopen_offer
from bot.pause.replies import pause_offer


def days_of(value: Any) -> int | None:
    """The `duration` slot as whole days; None when absent or not a number (a vague length)."""
    try:
        return int(float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


class ActionCheckPause(CustomerAction):
    """Ask for the product and the length, explain what pausing means, and set up the confirmation."""

    def name(self) -> str:
        return "action_check_pause"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return reset_events()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        unclear = unclear_answer(tracker, dispatcher, usable=bool(list(tracker.get_latest_entity_values("duration"))))
        if unclear is not None:
            return unclear
        customer = await customer_or_say(customer_id, dispatcher)
        if customer is None:
            return reset_events()
        external = next(tracker.get_latest_entity_values("external_product"), None)
        choice = choose_products(slot_list(tracker, "product"), customer, external=external)
        offer = pause_offer(choice, catalog(), days_of(tracker.get_slot("duration")), today=self.today())
        # While the product is being asked for, a length already given is kept.
        return offer_events(dispatcher, domain, offer, keep=("duration",) if choice.ask else ())


class ActionCheckReopen(CustomerAction):
    """Where the customer stands on using a paused, closed or frozen line again."""

    def name(self) -> str:
        return "action_check_reopen"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return reset_events()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        customer = await customer_or_say(customer_id, dispatcher)
        if customer is None:
            return reset_events()
        external = next(tracker.get_latest_entity_values("external_product"), None)
        requested = list(tracker.get_latest_entity_values("product")) or slot_list(tracker, "product")
        choice = choose_products(requested, customer, external=external)
        return offer_events(dispatcher, domain, reopen_offer(customer, choice, catalog(), today=self.today()))
