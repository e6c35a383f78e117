"""Closing journey: 「借呗能注销吗」「为什么不让我关」."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import catalog, customer_of, in_session, send, slot_list, today
from bot.closure_replies import closure_answer
from bot.db.queries import load_customer
from bot.product_choice import choose_products


class ActionCheckClosure(Action):
    """Tell the customer whether each product they asked about can be closed, and what blocks it."""

    def name(self) -> str:
        return "action_check_closure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        customer_id = customer_of(tracker)
        if customer_id is None:
            dispatcher.utter_message(response="utter_identity_unknown")
            return []
        customer = await in_session(lambda s: load_customer(s, customer_id))
        if customer is None:
            dispatcher.utter_message(response="utter_customer_not_found")
            return []
        external = next(tracker.get_latest_entity_values("external_product"), None)
        choice = choose_products(slot_list(tracker, "product"), customer, external=external)
        send(dispatcher, domain, closure_answer(choice, catalog(), today=today()))
        return []

