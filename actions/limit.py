"""Lowering the limit: 「额度太高了想调低」「只给我留一千」.

action_check_limit → (amount acceptable) change_form → action_apply_change.
The amount is read from the message text by bot.nlu.amounts (the contract has no
amount entity) and kept in `limit_amount` while the product is asked for.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import offer_events, reset_events, unclear_answer
from actions.common import CustomerAction, catalog, customer_or_say, external_product, product_slot, say
from bot.core.product_choice import choose_products
from bot.credit.advice import raise_limit_replies, wants_more_credit
from bot.limit.replies import limit_offer
from bot.nlu.amounts import parse_amount


def amount_of(tracker: Tracker) -> Decimal | None:
    """The amount in the latest message, else one given earlier in this journey."""
    amount = parse_amount(tracker.latest_message.get("text") or "")
    if amount is not None:
        return amount
    try:
        kept = tracker.get_slot("limit_amount")
        return Decimal(str(kept)) if kept is not None else None
    except InvalidOperation:
        return None


class ActionCheckLimit(CustomerAction):
    """Ask for the product and the new limit, check it, and set up the confirmation."""

    def name(self) -> str:
        return "action_check_limit"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return reset_events()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if wants_more_credit(tracker.latest_message.get("text") or ""):
            # 「经营贷想要多一点额度」: a wish for more credit never starts lowering the limit.
            say(dispatcher, domain, raise_limit_replies())
            return reset_events()
        unclear = unclear_answer(
            tracker, dispatcher, usable=parse_amount(tracker.latest_message.get("text") or "") is not None
        )
        if unclear is not None:
            return unclear
        customer = await customer_or_say(customer_id, dispatcher)
        if customer is None:
            return reset_events()
        choice = choose_products(product_slot(tracker), customer, external=external_product(tracker))
        amount = amount_of(tracker)
        offer = limit_offer(choice, catalog(), amount, today=self.today())
        events = offer_events(dispatcher, domain, offer, tracker=tracker)
        if choice.ask and amount is not None:
            events.append(SlotSet("limit_amount", str(amount)))
        return events
