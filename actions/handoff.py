"""Handoff to a human agent: 「转人工」「我要投诉」, two misunderstood messages in a row, frozen lines.

In service hours: a ticket with a summary for the agent, the customer's place in
the queue and expected wait, then `ConversationPaused` (the bot stays silent
until the agent hands back from the console). Outside service hours:
callback_form [callback_message, callback_phone] → a message-left ticket.
What queueing and leaving a message do is bot.handoff.queue; this module reads
the tracker, runs it, publishes the events and utters the responses.
Slot and response names here match domain.yml; rules in data/rules/handoff.yml.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timezone
from functools import partial
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.changes import forget_question
from actions.common import (
    BotAction,
    CustomerAction,
    catalog,
    channel_of,
    customer_of,
    in_session,
    latest_text,
    say,
    send,
    settings,
)
from actions.credit import customer_or_none
from bot.changes import ChangeContext, apply_change
from bot.credit.explanations import closures_on_record, platform_closure_answer
from bot.db.queries import customer_phone
from bot.db.session import session_factory
from bot.handoff import outbox, people
from bot.handoff import queue as hq
from bot.handoff import tickets as ho
from bot.handoff.events import AmqpPublisher
from bot.handoff.outbox import Outcome
from bot.handoff.phones import find_mobile, gave_up, means_number_on_file, phone_retry_response
from bot.handoff.summary import Turn
from bot.nlu import journey_gate

log = logging.getLogger(__name__)
FORM_SLOTS = ("callback_message", "callback_phone", "callback_phone_tries", "handoff_reason")

MAX_MESSAGE_CHARS = 500


def conversation_turns(tracker: Tracker) -> list[Turn]:
    """The conversation so far as plain turns (user text + intent, bot and agent texts)."""
    turns: list[Turn] = []
    for event in tracker.events:
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            turns.append(Turn("user", str(event.get("text") or ""), intent))
        elif event.get("event") == "bot" and event.get("text"):
            speaker = "agent" if (event.get("metadata") or {}).get("sender") == "agent" else "bot"
            turns.append(Turn(speaker, str(event["text"])))
    return turns


def readings_of(message: dict[str, Any]) -> tuple[list[tuple[str, float]], dict[str, str]]:
    """The NLU's intent ranking (without its fallback verdict) and the message's entities by name."""
    ranking = journey_gate.ranking_of(message.get("intent_ranking"))
    entities = {str(e.get("entity")): str(e.get("value")) for e in message.get("entities") or [] if e.get("value")}
    return ranking, entities


def user_intents(tracker: Tracker) -> list[str]:
    """Intents of the user's messages since the bot last resumed, oldest first.

    Messages written while an agent had the conversation do not count towards
    "two misunderstood messages in a row" once the bot is back.
    """
    intents: list[str] = []
    for event in tracker.events:
        if event.get("event") == "resume":
            intents = []
        elif event.get("event") == "user":
            intents.append(((event.get("parse_data") or {}).get("intent") or {}).get("name") or "")
    return intents


def with_events(session: Session, outcome: Outcome) -> Outcome:
    """The ticket change's outcome, its events written to the outbox in the same transaction when events are on."""
    return outbox.record(session, outcome) if settings().events_amqp_url else outcome


# Sends under way; kept so that the event loop does not collect a task before it ends.
sending: set[asyncio.Task[Any]] = set()


def send_events() -> None:
    """Send the events just committed, in the background: the customer's answer never waits for RabbitMQ.

    What fails stays in the outbox, and a Rasa server sends it later (bot.handoff.outbox).
    """
    s = settings()
    if s.events_amqp_url:
        factory, publisher = session_factory(s.database_url), AmqpPublisher(s.events_amqp_url, s.events_exchange)
        task = asyncio.get_running_loop().create_task(outbox.send_now(factory, publisher))
        sending.add(task)
        task.add_done_callback(sending.discard)


async def hand_over(
    dispatcher: CollectingDispatcher, tracker: Tracker, today: date, reason: ho.HandoffReason | None = None
) -> list[dict[str, Any]]:
    """Queue a live ticket and pause the bot, or (outside service hours) start callback_form.

    The reason comes from the latest message unless the caller knows it (a theft report answered with 好的).
    """
    customer_id = customer_of(tracker)
    text = str(tracker.latest_message.get("text") or "")
    streak = ho.fallback_streak(user_intents(tracker))
    if reason is None:
        reason = await in_session(
            lambda s: hq.handoff_reason(s, customer_id=customer_id, text=text, fallback_streak=streak)
        )
    s = settings()
    hours = s.hours()
    if not hours.is_open(datetime.now(timezone.utc)):
        dispatcher.utter_message(response="utter_handoff_closed_hours", hours=hours.label())
        return [SlotSet("handoff_reason", reason.value), forget_question(), FollowupAction("callback_form")]
    conversation_id, channel, turns = tracker.sender_id, channel_of(tracker), conversation_turns(tracker)
    queued = await in_session(
        lambda session: with_events(
            session,
            hq.queue_conversation(
                session,
                conversation_id=conversation_id,
                customer_id=customer_id,
                reason=reason,
                turns=turns,
                channel=channel,
                today=today,
                average_handling_minutes=s.handoff_average_minutes,
                agents_on_duty=s.agents_on_duty,
            ),
        )
    )
    log.info("handoff ticket %s (%s) for conversation %s", queued.ticket_id, reason.value, conversation_id)
    send_events()
    estimate = queued.estimate
    response = (
        "utter_handoff_fallback_queued" if reason is ho.HandoffReason.REPEATED_FALLBACK else "utter_handoff_queued"
    )
    dispatcher.utter_message(
        response=response, position=str(estimate.position), wait_minutes=str(estimate.wait_minutes)
    )
    dispatcher.utter_message(
        json_message={
            "handoff": {
                "ticket_id": queued.ticket_id,
                "position": estimate.position,
                "wait_minutes": estimate.wait_minutes,
            }
        }
    )
    # Listening, then paused: user messages (and a restart) that arrive while paused
    # follow an action_listen as usual, so the policies read them normally. A journey question
    # left open is dropped: after the agent hands back it is not asked again.
    return [forget_question(), ConversationPaused(), ActionExecuted("action_listen")]


class ActionRequestHuman(BotAction):
    """「转人工」「我要投诉」「我不是自己借的，找人工核实」: hand the conversation to an agent."""

    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        # a complaint: an acknowledgement and the channels before any handoff (issue 12.5)
        say(dispatcher, domain, people.complaint_before_handoff(latest_text(tracker)))
        return await hand_over(dispatcher, tracker, self.today())


class ActionHandleComplaint(BotAction):
    """A complaint or anger with nothing named: acknowledged, the complaint channels, a handoff offer (a button)."""

    def name(self) -> str:
        return "action_handle_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say(dispatcher, domain, people.complaint_replies(latest_text(tracker)))
        return [forget_question()]  # the customer left the journey question open for the complaint


# What a step stopped by a theft report leaves behind: nothing waits any more.
_STEP_RESET = ("closure_ready", "change_ready", "deletion_ready", "withdraw_ready")


class ActionFraudHandoff(BotAction):
    """盗号 / 被盗用 / 不是我本人操作: safety advice, then the offer to pause the open lines first, then a human.

    With no open line to pause, straight to the fraud handoff. A step that was open stops, nothing changed.
    """

    def name(self) -> str:
        return "action_fraud_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        stopped: list[dict[str, Any]] = []
        if tracker.active_loop_name:
            stopped = [ActiveLoop(None), SlotSet("requested_slot", None), *(SlotSet(s, False) for s in _STEP_RESET)]
        lines = people.lines_to_pause(await customer_or_none(tracker), today=self.today())
        say(dispatcher, domain, people.fraud_replies(lines, stopped_a_step=bool(stopped)))
        if lines:
            return stopped  # the yes or no to the offer follows this action directly (data/rules/handoff.yml)
        handed = await hand_over(dispatcher, tracker, self.today(), ho.HandoffReason.SUSPECTED_FRAUD)
        return [*stopped, *handed]


class ActionFraudPauseThenHandoff(CustomerAction):
    """The answer to the pause offer after a theft report: pause the open lines on a yes; a human either way."""

    def name(self) -> str:
        return "action_fraud_pause_then_handoff"

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if (tracker.latest_message.get("intent") or {}).get("name") == "affirm":
            today = self.today()
            ctx = ChangeContext(customer_id, channel_of(tracker), today, catalog())
            lines = people.lines_to_pause(await customer_or_none(tracker), today=today)
            for change in people.pause_changes(lines):
                say(dispatcher, domain, await in_session(partial(apply_change, change=change, ctx=ctx)))
        handed = await hand_over(dispatcher, tracker, self.today(), ho.HandoffReason.SUSPECTED_FRAUD)
        return handed


class ActionCheckDisowned(BotAction):
    """「我没关过」: a closure on record in the customer's name is a theft signal; else the platform's closure."""

    def name(self) -> str:
        return "action_check_disowned"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        customer = await customer_or_none(tracker)
        if closures_on_record(customer):
            return [FollowupAction("action_fraud_handoff")]
        say(dispatcher, domain, platform_closure_answer(customer, today=self.today()))
        return []


class ActionHandleFallback(BotAction):
    """Ask which reading was meant, or to rephrase once; the second misunderstood message in a row goes to a human.

    A change journey the NLU was not sure of (bot.nlu.journey_gate) is asked about
    with a button per reading instead: never started on a guess.
    """

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        question = journey_gate.clarification(*readings_of(tracker.latest_message))
        if question is not None:
            send(dispatcher, domain, [question])
            return []
        if ho.fallback_streak(user_intents(tracker)) < 2:
            dispatcher.utter_message(response="utter_default")
            return []
        return await hand_over(dispatcher, tracker, self.today())


class ValidateCallbackForm(FormValidationAction):
    """Outside service hours: a message and a valid mobile number, or 'no thanks'."""

    def name(self) -> str:
        return "validate_callback_form"

    async def validate_callback_message(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if not text:
            return {"callback_message": None}
        # A number typed into the message is taken as the callback number too.
        phone = find_mobile(text)
        result: dict[str, Any] = {"callback_message": text[:MAX_MESSAGE_CHARS]}
        if phone:
            result["callback_phone"] = phone
        return result

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # After too many numbers that were not one the form ends (action_leave_message says so): no trap.
        return [] if gave_up(_tries(tracker)) else domain_slots

    async def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        phone = find_mobile(str(value or "")) or await _number_on_file(str(value or ""), tracker)
        if phone is not None:
            return {"callback_phone": phone, "callback_phone_tries": None}
        tries = _tries(tracker) + 1
        response = phone_retry_response(tries)
        if response is not None:
            dispatcher.utter_message(response=response)
        return {"callback_phone": None, "callback_phone_tries": float(tries)}


async def _number_on_file(text: str, tracker: Tracker) -> str | None:
    """The account's own mobile number when the customer asks to be called on it."""
    customer_id = customer_of(tracker)
    if customer_id is None or not means_number_on_file(text):
        return None
    on_file: str | None = await in_session(lambda s: customer_phone(s, customer_id))
    return find_mobile(on_file or "")


def _tries(tracker: Tracker) -> int:
    value = tracker.get_slot("callback_phone_tries")
    return int(value) if isinstance(value, (int, float)) and value > 0 else 0


class ActionLeaveMessage(BotAction):
    """After callback_form: store a message-left ticket for an agent to call back, or nothing."""

    def name(self) -> str:
        return "action_leave_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reset = [SlotSet(name, None) for name in FORM_SLOTS]
        message, phone = tracker.get_slot("callback_message"), tracker.get_slot("callback_phone")
        if not message or not phone:  # 'no thanks' (data/rules/handoff.yml) ends the form early
            if gave_up(_tries(tracker)):
                dispatcher.utter_message(response="utter_handoff_phone_gave_up", hours=settings().hours().label())
            else:
                dispatcher.utter_message(response="utter_handoff_message_declined")
            return reset
        reason = _reason(tracker.get_slot("handoff_reason"))
        customer_id, conversation_id, channel = customer_of(tracker), tracker.sender_id, channel_of(tracker)
        turns, today = conversation_turns(tracker), self.today()
        left = await in_session(
            lambda session: with_events(
                session,
                hq.leave_message(
                    session,
                    conversation_id=conversation_id,
                    customer_id=customer_id,
                    reason=reason,
                    turns=turns,
                    channel=channel,
                    today=today,
                    message=str(message),
                    callback_phone=str(phone),
                ),
            )
        )
        log.info("message-left ticket %s, callback %s", left.ticket_id, left.phone_masked)
        send_events()
        dispatcher.utter_message(
            response="utter_handoff_message_left", phone_masked=left.phone_masked, hours=settings().hours().label()
        )
        return reset


def _reason(value: Any) -> ho.HandoffReason:
    """The handoff reason a slot names; a plain request when it names none (the HTTP API can set any value)."""
    try:
        return ho.HandoffReason(value)
    except (ValueError, TypeError):
        return ho.HandoffReason.REQUESTED
