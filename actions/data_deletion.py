"""Personal data: 「注销后我的信息会删除吗」「请删除我的资料」.

action_explain_data_deletion → (offer) data_deletion_form [deletion_confirmed,
deletion_code] → action_submit_data_deletion, which files the request only if
the code's verification can be consumed from the database. Slot names here
match domain.yml.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import CustomerAction, channel_of, customer_of, in_session, say, send
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
from bot.core.catalog import DataRequestPolicy, load_data_request_policy
from bot.data_deletion.deletion import (
    deletion_answer,
    deletion_fingerprint,
    submission_replies,
    submit_verified_data_deletion,
)
from bot.db.queries import customer_phone, load_customer, load_requests
from bot.security.verification import Purpose, phone_tail


@lru_cache(maxsize=1)
def policy() -> DataRequestPolicy:
    """The operator's commitments for deletion requests (data/catalog/data_requests.yml)."""
    return load_data_request_policy()


def _reset() -> list[dict[str, Any]]:
    return [
        SlotSet("deletion_ready", False),
        SlotSet("deletion_confirmed", None),
        SlotSet("deletion_code", None),
        SlotSet("form_reasks", None),
    ]


async def _fingerprint(customer_id: str | None) -> str:
    """What the request would delete for this customer now ("" for an unknown customer)."""
    if customer_id is None:
        return ""
    customer = await in_session(lambda s: load_customer(s, customer_id))
    return deletion_fingerprint(customer) if customer else ""


class ActionExplainDataDeletion(CustomerAction):
    """What is deleted and what the law keeps, what a request covers for this customer; offers one."""

    def name(self) -> str:
        return "action_explain_data_deletion"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return _reset()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        customer, requests = await in_session(lambda s: (load_customer(s, customer_id), load_requests(s, customer_id)))
        answer = deletion_answer(customer, requests, policy(), today=self.today())
        say(dispatcher, domain, answer.parts)
        return [*_reset(), SlotSet("deletion_ready", answer.offer)]


class ValidateDataDeletionForm(FormValidationAction):
    """A yes to the offer, then a one-time code bound to what the request would delete."""

    def name(self) -> str:
        return "validate_data_deletion_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # Saying no ends the form at once.
        return [] if tracker.get_slot("deletion_confirmed") is False else domain_slots

    async def validate_deletion_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by a new explanation, not an answer
            return {"deletion_confirmed": None}
        if value is not True:
            return {"deletion_confirmed": False}
        customer_id = customer_of(tracker)
        change = await _fingerprint(customer_id)
        sent = await send_code(
            dispatcher, domain, customer_id=customer_id, purpose=Purpose.DATA_DELETION, change=change
        )
        return {"deletion_confirmed": sent, **reasks_cleared(tracker)}

    async def validate_deletion_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by a new explanation, not an answer
            return {"deletion_code": None}
        customer_id = customer_of(tracker)
        entered = await check_typed_code(
            dispatcher,
            domain,
            customer_id=customer_id,
            purpose=Purpose.DATA_DELETION,
            change=await _fingerprint(customer_id),
            value=value,
            reasks=code_reasks(tracker),
        )
        reasked = reask_slot(tracker, value, entered)
        if entered is Entered.VERIFIED:
            return {"deletion_code": VERIFIED, **reasked}
        if entered is Entered.ASK_AGAIN:
            return {"deletion_code": None, **reasked}
        return {"deletion_confirmed": False, "deletion_code": None, **reasked}


class ActionAskDeletionCode(AskCodeAction):
    """data_deletion_form's question for the code."""

    question = "utter_ask_deletion_code"

    def name(self) -> str:
        return "action_ask_deletion_code"


class ActionSubmitDataDeletion(CustomerAction):
    """Create the deletion request once the customer confirmed and entered the code; otherwise say nothing changed."""

    def name(self) -> str:
        return "action_submit_data_deletion"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return _reset()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("deletion_confirmed") is not True or tracker.get_slot("deletion_code") != VERIFIED:
            dispatcher.utter_message(response="utter_deletion_not_submitted")
            return _reset()
        channel = channel_of(tracker)
        # The slots only say the dialogue got this far; the database says whether the code was entered.
        outcome, phone = await in_session(
            lambda s: (
                submit_verified_data_deletion(s, customer_id=customer_id, channel=channel, policy=policy()),
                customer_phone(s, customer_id),
            )
        )
        send(dispatcher, domain, submission_replies(outcome, phone_tail=phone_tail(phone), today=self.today()))
        return _reset()
