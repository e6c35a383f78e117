"""Closing journey: 「借呗能注销吗」「为什么不让我关」「我想把花呗关了」.

action_check_closure → (eligible) closure_form [closure_confirmed, closure_code]
→ action_submit_closure. Slot names here match domain.yml.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import waiting_slot
from actions.common import (
    BotAction,
    CustomerAction,
    catalog,
    channel_of,
    customer_of,
    customer_or_say,
    entity_values,
    external_product,
    in_session,
    latest_text,
    product_slot,
    say,
    slot_list,
)
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
from bot.closing.not_ours import platform_account_replies, separate_line_replies
from bot.closing.replies import closure_answer, reopen_later_replies, submission_replies
from bot.closing.submission import ClosureNotVerified, closure_fingerprint, submit_verified_closures
from bot.core.formatting import join_cn
from bot.core.product_choice import choose_products, means_all
from bot.credit.advice import closing_advice_answer, is_closing_advice_question
from bot.nlu.contract import PLATFORM_ACCOUNT_ENTITY, PRODUCT, SEPARATE_LINE
from bot.security.verification import Purpose

FLOW_SLOTS = ("closure_products", "closure_product_names", "closure_confirmed", "closure_code", "form_reasks")
NOT_READY = SlotSet("closure_ready", False)


def _reset_flow() -> list[dict[str, Any]]:
    return [NOT_READY, *(SlotSet(name, None) for name in FLOW_SLOTS)]


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
        # 信用购 / 信用贷 / 先用后付 or the whole account, with none of our lines named in this message:
        # answered, and no closure starts (the product slot may still hold an earlier product).
        if not entity_values(tracker, PRODUCT):
            separate = entity_values(tracker, SEPARATE_LINE)
            if separate:
                say(dispatcher, domain, separate_line_replies(separate, customer, catalog()))
                return _reset_flow()
            if entity_values(tracker, PLATFORM_ACCOUNT_ENTITY):
                say(dispatcher, domain, platform_account_replies(customer, today=self.today()))
                return _reset_flow()
        if is_closing_advice_question(latest_text(tracker)):
            # A question about closing (for a bank) is answered; closing is offered, not started.
            say(dispatcher, domain, closing_advice_answer(customer, product_slot(tracker), today=self.today()))
            return _reset_flow()
        external = external_product(tracker)
        wants_all = means_all(latest_text(tracker))
        choice = choose_products(product_slot(tracker), customer, external=external, wants_all=wants_all)
        offer = not tracker.get_slot("alternatives_offered")
        answer = closure_answer(choice, customer, catalog(), today=self.today(), offer_alternatives=offer)
        say(dispatcher, domain, answer.replies)
        if not answer.eligible:
            # 「您想关闭哪一个？」 survives a side question like the other journeys' questions (bot/core/pending.py)
            return [*_reset_flow(), waiting_slot(domain, answer.replies)]
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
        products = slot_list(tracker, "closure_products")
        sent = await send_code(
            dispatcher,
            domain,
            customer_id=customer_of(tracker),
            purpose=Purpose.CLOSE,
            change=closure_fingerprint(products) if products else "",
        )
        return {"closure_confirmed": sent, **reasks_cleared(tracker)}

    async def validate_closure_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by a new closure check, not an answer
            return {"closure_code": None}
        products = slot_list(tracker, "closure_products")
        entered = await check_typed_code(
            dispatcher,
            domain,
            customer_id=customer_of(tracker),
            purpose=Purpose.CLOSE,
            change=closure_fingerprint(products) if products else "",
            value=value,
            reasks=code_reasks(tracker),
        )
        reasked = reask_slot(tracker, value, entered)
        if entered is Entered.VERIFIED:
            return {"closure_code": VERIFIED, **reasked}
        if entered is Entered.ASK_AGAIN:
            return {"closure_code": None, **reasked}
        return {"closure_confirmed": False, "closure_code": None, **reasked}


class ActionExplainReopenLater(BotAction):
    """「关了以后还能再开吗」 while a closure waits: the reopening rule for the lines being closed; the form goes on."""

    def name(self) -> str:
        return "action_explain_reopen_later"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say(dispatcher, domain, reopen_later_replies(slot_list(tracker, "closure_products"), catalog()))
        return []


class ActionAskClosureCode(AskCodeAction):
    """closure_form's question for the code."""

    question = "utter_ask_closure_code"

    def name(self) -> str:
        return "action_ask_closure_code"


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
        answered = tracker.get_slot("closure_confirmed") is True and tracker.get_slot("closure_code") == VERIFIED
        if not products or not answered:
            dispatcher.utter_message(response="utter_closure_not_submitted")
            return _reset_flow()
        channel, day = channel_of(tracker), self.today()
        # The slots only say the dialogue got this far; the database says whether the code was entered.
        outcomes = await in_session(
            lambda s: submit_verified_closures(
                s, customer_id=customer_id, product_ids=products, channel=channel, today=day
            )
        )
        if isinstance(outcomes, ClosureNotVerified):
            dispatcher.utter_message(response="utter_closure_not_submitted")
            return _reset_flow()
        say(dispatcher, domain, submission_replies(outcomes, catalog(), today=day))
        return _reset_flow()
