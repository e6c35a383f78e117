"""Personal data: 「注销后我的信息会删除吗」「请删除我的资料」.

action_explain_data_deletion → (offer) data_deletion_form [deletion_confirmed]
→ action_submit_data_deletion. Slot names here match domain.yml.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import CustomerAction, channel_of, in_session, say, send
from bot.core.catalog import DataRequestPolicy, load_data_request_policy
from bot.data_deletion.deletion import deletion_answer, submission_replies, submit_data_deletion
from bot.db.queries import customer_phone, load_customer, load_requests
from bot.security.verification import phone_tail


@lru_cache(maxsize=1)
def policy() -> DataRequestPolicy:
    """The operator's commitments for deletion requests (data/catalog/data_requests.yml)."""
    return load_data_request_policy()


def _reset() -> list[dict[str, Any]]:
    return [SlotSet("deletion_ready", False), SlotSet("deletion_confirmed", None)]


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


class ActionSubmitDataDeletion(CustomerAction):
    """Create the deletion request once the customer confirmed; otherwise say nothing changed."""

    def name(self) -> str:
        return "action_submit_data_deletion"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return _reset()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("deletion_confirmed") is not True:
            dispatcher.utter_message(response="utter_deletion_not_submitted")
            return _reset()
        channel = channel_of(tracker)
        outcome, phone = await in_session(
            lambda s: (
                submit_data_deletion(s, customer_id=customer_id, channel=channel, policy=policy()),
                customer_phone(s, customer_id),
            )
        )
        send(dispatcher, domain, submission_replies(outcome, phone_tail=phone_tail(phone), today=self.today()))
        return _reset()
