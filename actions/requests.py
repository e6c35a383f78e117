"""Request status: 「我的注销申请到哪一步了」「关闭成功了没」."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import catalog, customer_of, in_session, send, today
from bot.db.queries import load_requests
from bot.request_replies import request_status_replies


class ActionShowRequests(Action):
    """Show each of the customer's requests with its state and date."""

    def name(self) -> str:
        return "action_show_requests"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        customer_id = customer_of(tracker)
        if customer_id is None:
            dispatcher.utter_message(response="utter_identity_unknown")
            return []
        requests = await in_session(lambda s: load_requests(s, customer_id))
        send(dispatcher, domain, request_status_replies(requests, catalog(), today=today()))
        return []
