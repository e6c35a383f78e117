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
from actions.common import CustomerAction, catalog, customer_or_say, entity_values, external_product, product_slot
from bot.core.product_choice import choose_products
from bot.nlu.contract import DURATION, PRODUCT, duration_days
from bot.pause.reopen_replies import reopen_offer
from bot.pause.replies import pause_offer


def days_of(value: Any) -> int | None:
    """The `duration` slot as whole days; None when absent, not a number (a vague length) or absurd (1e999)."""
    return duration_days(value)


class ActionCheckPause(CustomerAction):
    """Ask for the product and the length, explain what pausing means, and set up the confirmation."""

    def name(self) -> str:
        return "action_check_pause"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return reset_events()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        unclear = unclear_answer(tracker, dispatcher, usable=bool(entity_values(tracker, DURATION)))
        if unclear is not None:
            return unclear
        customer = await customer_or_say(customer_id, dispatcher)
        if customer is None:
            return reset_events()
        choice = choose_products(product_slot(tracker), customer, external=external_product(tracker))
        offer = pause_offer(choice, catalog(), days_of(tracker.get_slot("duration")), today=self.today())
        # While the product is being asked for, a length already given is kept.
        return offer_events(dispatcher, domain, offer, keep=("duration",) if choice.ask else (), tracker=tracker)


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
        requested = entity_values(tracker, PRODUCT) or product_slot(tracker)
        choice = choose_products(requested, customer, external=external_product(tracker))
        offer = reopen_offer(customer, choice, catalog(), today=self.today())
        return offer_events(dispatcher, domain, offer, tracker=tracker)
