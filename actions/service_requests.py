"""Requests: status 「我的注销申请到哪一步了」 and withdrawal 「不注销了，撤回申请」."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.common import (
    CustomerAction,
    catalog,
    channel_of,
    entity_values,
    in_session,
    product_slot,
    render,
    send,
)
from bot.db.queries import load_requests
from bot.service_requests.lifecycle import InvalidTransition
from bot.service_requests.replies import (
    choose_withdrawal,
    nothing_pending_replies,
    request_status_replies,
    withdrawal_done,
)
from bot.service_requests.withdrawal import Withdrawn, withdraw

WITHDRAW_SLOTS = ("withdraw_request_id", "withdraw_description", "withdraw_confirmed")


def _reset() -> list[dict[str, Any]]:
    return [SlotSet("withdraw_ready", False), *(SlotSet(s, None) for s in WITHDRAW_SLOTS)]


class ActionShowRequests(CustomerAction):
    """Show each of the customer's requests with its state and date."""

    def name(self) -> str:
        return "action_show_requests"

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        requests = await in_session(lambda s: load_requests(s, customer_id))
        send(dispatcher, domain, request_status_replies(requests, catalog(), today=self.today()))
        return []


class ActionNothingPending(CustomerAction):
    """「确认」「好的」「行」 with no question waiting (no form, nothing offered): nothing changes, and the bot says so.

    The rule sends every affirm outside a form here; what is still being handled comes from the database.
    """

    # Said again to each 「确认」 while nothing waits: that nothing is pending is the point, in full each time.
    may_repeat = True

    def name(self) -> str:
        return "action_nothing_pending"

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        requests = await in_session(lambda s: load_requests(s, customer_id))
        offered = _last_turn_offered_buttons(tracker)
        send(dispatcher, domain, nothing_pending_replies(requests, catalog(), today=self.today(), offered=offered))
        return []


def _last_turn_offered_buttons(tracker: Tracker) -> bool:
    """Whether the bot's answer to the previous message offered buttons (a yes may have meant one of them)."""
    events = list(tracker.events)
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users:
        return False
    start = users[-2] if len(users) > 1 else 0
    between = events[start : users[-1]]
    return any(e.get("event") == "bot" and (e.get("data") or {}).get("buttons") for e in between)


class ActionPrepareWithdrawal(CustomerAction):
    """「不注销了，撤回申请」: find the open request to withdraw, then withdraw_form confirms."""

    def name(self) -> str:
        return "action_prepare_withdrawal"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return _reset()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reset = _reset()
        requests = await in_session(lambda s: load_requests(s, customer_id))
        kinds = tuple(entity_values(tracker, "request_kind"))
        choice = choose_withdrawal(requests, product_slot(tracker), catalog(), today=self.today(), kinds=kinds)
        send(dispatcher, domain, choice.replies)
        if choice.request_id is None or choice.description is None:
            return reset
        return [
            *reset,
            SlotSet("withdraw_ready", True),
            SlotSet("withdraw_request_id", float(choice.request_id)),
            SlotSet("withdraw_description", render(domain, choice.description)),
        ]


class ActionWithdrawRequest(CustomerAction):
    """Withdraw the request once the customer confirmed; otherwise keep it."""

    def name(self) -> str:
        return "action_withdraw_request"

    def events_without_customer(self) -> list[dict[str, Any]]:
        return _reset()

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reset = _reset()
        request_id = _request_id(tracker.get_slot("withdraw_request_id"))
        description = tracker.get_slot("withdraw_description") or ""
        if request_id is None or tracker.get_slot("withdraw_confirmed") is not True:
            dispatcher.utter_message(response="utter_withdraw_kept")
            return reset
        channel = channel_of(tracker)

        def withdraw_it(session: Session) -> Withdrawn | None:
            try:
                return withdraw(session, customer_id=customer_id, request_id=request_id, channel=channel)
            except InvalidTransition:
                return None

        withdrawn = await in_session(withdraw_it)
        if withdrawn is not None:
            send(dispatcher, domain, [withdrawal_done(withdrawn, str(description), catalog(), today=self.today())])
        else:
            dispatcher.utter_message(response="utter_withdraw_failed")
        return reset


def _request_id(value: Any) -> int | None:
    """The request id a slot holds (set by action_prepare_withdrawal); None for anything else the HTTP API put there."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    return number if number is not None and 0 < number < 2**31 else None  # a database integer id
