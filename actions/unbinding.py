"""Unbinding linked services: 「关闭自动还款」「解绑代扣」「把滴滴的免密关了」.

action_check_unbind lists what is bound (buttons) or explains what unbinding
the named services changes → change_form → action_apply_change.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import offer_events, reset_events, unclear_answer
from actions.common import CustomerAction, catalog, customer_or_say, entity_values
from bot.core.formatting import join_cn
from bot.unbinding.replies import unbind_offer
from bot.unbinding.unbinding import plan_unbind

# Services named in a request while it was asked which line another one is on (bot.unbinding: UnbindPlan.kept).
KEPT = "unbind_kept"


class ActionCheckUnbind(CustomerAction):
    """Resolve the services named (types or merchants) against this customer's bindings."""

    def name(self) -> str:
        return "action_check_unbind"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return reset_events()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        customer = await customer_or_say(customer_id, dispatcher)
        if customer is None:
            return reset_events()
        # Only this message counts: an earlier product or service must not narrow a new request.
        products = entity_values(tracker, "product")
        services = entity_values(tracker, "service")
        text = tracker.latest_message.get("text") or ""
        kept = _kept_ids(tracker.get_slot(KEPT))
        plan = plan_unbind(customer, product_ids=products, service_types=services, text=text, kept_ids=kept)
        unclear = unclear_answer(tracker, dispatcher, usable=plan.asked)
        if unclear is not None:
            return unclear
        held = (a.product.display_name for a in customer.accounts if not products or a.product.id in products)
        names = join_cn(held, and_last=False)
        offer = unbind_offer(plan, catalog(), product_names=names, today=self.today())
        events = offer_events(dispatcher, domain, offer, tracker=tracker)
        if plan.which_product and plan.kept:  # confirmed together with the answer to 「哪一个」
            events.append(SlotSet(KEPT, [float(b.service.id) for b in plan.kept]))
        return events


def _kept_ids(value: Any) -> list[int]:
    """The service ids the slot keeps (anything else the HTTP API put there is dropped)."""
    if not isinstance(value, list):
        return []
    return [int(v) for v in value if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 2**31]
