"""Credit-report and closure-consequence questions: 「关闭花呗影响征信吗」「逾期记录多久能消」.

Facts come from bot/knowledge/credit.yml (sent as their reviewed wording);
sentences about the customer's own accounts are domain responses.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import customer_of, in_session, say, today
from bot.credit_impact import credit_impact_answer, detect_topic, intent_answer
from bot.db.queries import load_customer
from bot.knowledge import load_knowledge


class ActionExplainCreditImpact(Action):
    """What closing, pausing, overdue ... means for the credit report, for this customer if known."""

    def name(self) -> str:
        return "action_explain_credit_impact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        topic = detect_topic(tracker.latest_message.get("text") or "", load_knowledge())
        customer_id = customer_of(tracker)
        # General facts need no identity; personal ones only for a known customer.
        customer = await in_session(lambda s: load_customer(s, customer_id)) if customer_id else None
        say(dispatcher, domain, credit_impact_answer(topic, customer, today=today()))
        return []


class ActionExplainFromKnowledge(Action):
    """Reviewed answers to closure effects, platform closures and data deletion questions."""

    def name(self) -> str:
        return "action_explain_from_knowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        say(dispatcher, domain, intent_answer(intent))
        return []
