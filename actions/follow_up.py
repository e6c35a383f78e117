"""Follow-ups, push-back and a second question (ConversationContextPolicy predicts these actions).

What the turn is and what it asks is read by `bot.conversation` from the tracker's
events, the same way the policy read it; the answers come from the account data.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.common import CustomerAction, catalog, in_session, render, say
from bot.conversation import events as ev
from bot.conversation.answers import Facts, answer
from bot.conversation.context import Question, fold
from bot.conversation.push_back import done_of
from bot.conversation.push_back_answers import push_back_answer
from bot.conversation.turn_plan import TurnView, offered_question, push_back_of, questions_of, second_question
from bot.core.catalog import load_data_request_policy
from bot.core.replies import HUMAN_BUTTON, FactUse, Fragment, Part, Reply
from bot.db.queries import load_customer, load_requests

OFFERED_SLOT = "offered_question"


class _ConversationAction(CustomerAction):
    """Reads the turn from the tracker and the customer's facts from the database."""

    def view(self, tracker: Tracker) -> TurnView | None:
        return ev.turn_view(list(tracker.events))

    async def facts(self, customer_id: str) -> Facts | None:
        def load(session: Session) -> Facts | None:
            customer = load_customer(session, customer_id)
            if customer is None:
                return None
            requests = tuple(load_requests(session, customer_id))
            days = load_data_request_policy().handling_working_days
            return Facts(customer, requests, catalog(), self.today(), days)

        return await in_session(load)

    async def answer(
        self,
        customer_id: str,
        questions: list[Question],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> None:
        facts = await self.facts(customer_id)
        if facts is None:
            dispatcher.utter_message(response="utter_customer_not_found")
        elif not questions:
            dispatcher.utter_message(response="utter_default")  # the policy read a question here; never silent
        else:
            say(dispatcher, domain, not_again(answer(questions, facts), tracker, domain))


def not_again(parts: list[Part], tracker: Tracker, domain: DomainDict) -> list[Part]:
    """`parts`, or one line saying nothing changed when they are word for word what the bot just said."""
    said = ev.previous_bot_texts(list(tracker.events))
    if said and [_text(domain, p) for p in parts] == said:
        return [Reply("utter_follow_unchanged", buttons=HUMAN_BUTTON)]
    return parts


def _text(domain: DomainDict, part: Part) -> str:
    return render(domain, part if isinstance(part, FactUse) else Fragment(part.response, part.params))


class ActionAnswerFollowUp(_ConversationAction):
    """「那借呗呢」「进度呢」「这个月要还多少 哪天还」: each question of the message, in the conversation's context."""

    def name(self) -> str:
        return ev.ANSWER_FOLLOW_UP

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        view = self.view(tracker)
        questions = questions_of(view.text, fold(view.earlier)) if view else []
        await self.answer(customer_id, questions, dispatcher, tracker, domain)
        return []


class ActionAnswerPushBack(_ConversationAction):
    """「我早就收到货了」「还是不行」「你刚才说过了」 or the same question again: short, a person offered."""

    def name(self) -> str:
        return ev.ANSWER_PUSH_BACK

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        view = self.view(tracker)
        facts = await self.facts(customer_id)
        context = fold(view.earlier) if view else None
        if view is None or facts is None or context is None or context.subject is None:
            dispatcher.utter_message(response="utter_default")
            return []
        question = Question(context.subject, context.products, context.journey)
        parts = push_back_answer(push_back_of(view), done_of(view.text), question, facts)
        say(dispatcher, domain, not_again(parts, tracker, domain))
        return []


class ActionOfferSecondQuestion(_ConversationAction):
    """After the answer to a message's first question: 「还有一个问题：…，要我接着说吗？」."""

    def name(self) -> str:
        return ev.OFFER_SECOND_QUESTION

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        view = self.view(tracker)
        clause = second_question(view.text, view.intent) if view else None
        if clause is None:
            return []
        dispatcher.utter_message(response="utter_offer_second_question", question=clause)
        return [SlotSet(OFFERED_SLOT, clause)]


class ActionAnswerSecondQuestion(_ConversationAction):
    """Yes to the offer: the offered question answered in the context it was asked in."""

    def name(self) -> str:
        return ev.ANSWER_SECOND_QUESTION

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        view = self.view(tracker)
        clause = tracker.get_slot(OFFERED_SLOT)
        questions = offered_question(clause, view.earlier) if view and isinstance(clause, str) else []
        await self.answer(customer_id, questions, dispatcher, tracker, domain)
        return [SlotSet(OFFERED_SLOT, None)]
