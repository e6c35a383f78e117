"""Credit-report and closure-consequence questions: 「关闭花呗影响征信吗」「逾期记录多久能消」.

Facts come from bot/credit/credit.yml (sent as their reviewed wording);
sentences about the customer's own accounts are domain responses.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import BotAction, customer_of, entity_values, in_session, say
from bot.core.accounts import CustomerSnapshot
from bot.credit.advice import closing_advice_answer, is_closing_advice_question
from bot.credit.explanations import closure_effects_answer, platform_closure_answer
from bot.credit.impact import credit_impact_answer, intent_answer
from bot.credit.topics import detect_topics
from bot.db.queries import load_customer


async def customer_or_none(tracker: Tracker) -> CustomerSnapshot | None:
    """The customer's snapshot when identity is known; general answers need none."""
    customer_id = customer_of(tracker)
    return await in_session(lambda s: load_customer(s, customer_id)) if customer_id else None


class ActionExplainCreditImpact(BotAction):
    """What closing, being late, overdue ... means for the credit report: each topic asked (at most two)."""

    def name(self) -> str:
        return "action_explain_credit_impact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        customer = await customer_or_none(tracker)
        if is_closing_advice_question(text) and not tracker.active_loop_name:
            # 「银行让我先注销 有必要吗」 read as a credit question: the same answer and offer as from closing.
            products = entity_values(tracker, "product")
            say(dispatcher, domain, closing_advice_answer(customer, products, today=self.today()))
            return []
        say(dispatcher, domain, credit_impact_answer(detect_topics(text), customer, today=self.today()))
        return []


class ActionExplainClosureEffects(BotAction):
    """「关了借款的那个，另一个也会关吗」: effects of closing, with what this customer still owes."""

    def name(self) -> str:
        return "action_explain_closure_effects"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        customer = await customer_or_none(tracker)
        products = entity_values(tracker, "product")
        say(dispatcher, domain, closure_effects_answer(customer, products, today=self.today()))
        return []


class ActionExplainPlatformClosure(BotAction):
    """「为什么突然给我关了」: which line the platform stopped, the recorded reason category, the user's rights."""

    def name(self) -> str:
        return "action_explain_platform_closure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        customer = await customer_or_none(tracker)
        say(dispatcher, domain, platform_closure_answer(customer, today=self.today()))
        return []


class ActionExplainFromKnowledge(BotAction):
    """Reviewed answers that need no account data (what happens to personal data)."""

    def name(self) -> str:
        return "action_explain_from_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        say(dispatcher, domain, intent_answer(intent))
        return []
