"""Closing journey: 「借呗能注销吗」「为什么不让我关」「我想把花呗关了」.

action_check_closure → (eligible) closure_form [closure_confirmed, closure_code]
→ action_submit_closure. Slot names here match domain.yml.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    CustomerAction,
    catalog,
    channel_of,
    customer_of,
    customer_or_say,
    external_product,
    in_session,
    latest_text,
    product_slot,
    say,
    send,
    settings,
    slot_list,
)
from bot.closing.replies import closure_answer, code_format_reply, code_question, code_sent_reply, submission_replies
from bot.closing.submission import submit_closure
from bot.core.formatting import join_cn
from bot.core.product_choice import choose_products, means_all
from bot.nlu.textnorm import normalise
from bot.security.verification import CodeCheck, check_code, find_code, issue_code, sender_for

FLOW_SLOTS = ("closure_products", "closure_product_names", "closure_confirmed", "closure_code")
NOT_READY = SlotSet("closure_ready", False)
VERIFIED = "verified"


def _reset_flow() -> list[dict[str, Any]]:
    return [NOT_READY, *(SlotSet(name, None) for name in FLOW_SLOTS)]


def _purpose(products: list[str]) -> str:
    # The code is bound to exactly the products the customer confirmed.
    return "close:" + ",".join(sorted(products))


class ActionCheckClosure(CustomerAction):
    """Tell the customer whether each product they asked about can be closed, and what blocks it."""

    def name(self) -> str:
        return "action_check_closure"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return _reset_flow()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        customer = await customer_or_say(customer_id, dispatcher)
        if customer is None:
            return _reset_flow()
        external = external_product(tracker)
        wants_all = means_all(latest_text(tracker))
        choice = choose_products(product_slot(tracker), customer, external=external, wants_all=wants_all)
        offer = not tracker.get_slot("alternatives_offered")
        answer = closure_answer(choice, customer, catalog(), today=self.today(), offer_alternatives=offer)
        say(dispatcher, domain, answer.replies)
        if not answer.eligible:
            return _reset_flow()
        return [
            *_reset_flow(),
            SlotSet("closure_ready", True),
            SlotSet("closure_products", [a.product.id for a in answer.eligible]),
            SlotSet("closure_product_names", join_cn(a.product.display_name for a in answer.eligible)),
            SlotSet("alternatives_offered", True),
        ]


class ValidateClosureForm(FormValidationAction):
    """Confirmation, then a one-time code, before anything irreversible happens."""

    def name(self) -> str:
        return "validate_closure_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # Saying no ends the form at once.
        return [] if tracker.get_slot("closure_confirmed") is False else domain_slots

    async def validate_closure_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by a new closure check, not an answer
            return {"closure_confirmed": None}
        if value is not True:
            return {"closure_confirmed": False}
        customer_id = customer_of(tracker)
        sender = sender_for(settings())
        products = slot_list(tracker, "closure_products")
        if customer_id is None or sender is None or not products:
            dispatcher.utter_message(response="utter_code_unavailable")
            return {"closure_confirmed": False}
        tail = await in_session(
            lambda s: issue_code(s, customer_id=customer_id, purpose=_purpose(products), sender=sender)
        )
        send(dispatcher, domain, [code_sent_reply(tail or "")])
        return {"closure_confirmed": True}

    async def validate_closure_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by a new closure check, not an answer
            return {"closure_code": None}
        code = find_code(normalise(str(value)))
        if code is None:
            send(dispatcher, domain, [code_format_reply()])
            return {"closure_code": None}
        customer_id = customer_of(tracker)
        products = slot_list(tracker, "closure_products")
        if customer_id is None:
            return {"closure_confirmed": False, "closure_code": None}
        result = await in_session(
            lambda s: check_code(s, customer_id=customer_id, purpose=_purpose(products), typed=code)
        )
        if result.outcome is CodeCheck.OK:
            return {"closure_code": VERIFIED}
        if result.outcome is CodeCheck.WRONG:
            dispatcher.utter_message(response="utter_closure_code_wrong", attempts_left=str(result.attempts_left))
            return {"closure_code": None}
        expired = result.outcome in (CodeCheck.EXPIRED, CodeCheck.NONE_PENDING)
        dispatcher.utter_message(response="utter_closure_code_expired" if expired else "utter_closure_code_locked")
        return {"closure_confirmed": False, "closure_code": None}


class ActionAskClosureCode(Action):
    """closure_form's question for the code (an action, so the code's length comes from bot.security.verification)."""

    def name(self) -> str:
        return "action_ask_closure_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        send(dispatcher, domain, [code_question()])
        return []


class ActionSubmitClosure(CustomerAction):
    """Submit the confirmed, code-verified closure; otherwise say nothing changed."""

    def name(self) -> str:
        return "action_submit_closure"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return _reset_flow()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        products = slot_list(tracker, "closure_products")
        verified = tracker.get_slot("closure_confirmed") is True and tracker.get_slot("closure_code") == VERIFIED
        if not products or not verified:
            dispatcher.utter_message(response="utter_closure_not_submitted")
            return _reset_flow()
        channel, day = channel_of(tracker), self.today()
        outcomes = await in_session(
            lambda s: [
                o
                for pid in products
                if (o := submit_closure(s, customer_id=customer_id, product_id=pid, channel=channel, today=day))
            ]
        )
        say(dispatcher, domain, submission_replies(outcomes, catalog(), today=day))
        return _reset_flow()
