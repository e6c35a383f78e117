"""Questions next to the journeys (「还款后额度多久恢复」): a reviewed answer or the out-of-scope reply.

The ResponseSelector's pick for `out_of_scope` is in the parse data; bot/credit/faq.py
decides whether it is sure enough of an answered topic. A `/out_of_scope` button
payload carries no pick and gets the out-of-scope reply.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import BotAction
from bot.credit.faq import RETRIEVAL_INTENT, choose_response


def selector_pick(parse_data: dict[str, Any]) -> tuple[str | None, float | None]:
    """(intent_response_key, confidence) the response selector chose for out_of_scope, if any."""
    pick = ((parse_data.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}).get("response") or {}
    key = pick.get("intent_response_key")
    confidence = pick.get("confidence")
    return (str(key) if key else None), (float(confidence) if confidence is not None else None)


class ActionAnswerOutOfScope(BotAction):
    """A reviewed FAQ answer when the selector is confident, else what the assistant can do."""

    def name(self) -> str:
        return "action_answer_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response=choose_response(*selector_pick(tracker.latest_message)))
        return []
