"""Test actions, not the project's: one raising a plain bug (test_action_server_outage.py), two echoing their call."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from channels.event_chain import domain_digest


class ActionWithABug(Action):
    def name(self) -> str:
        return "action_with_a_bug"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        raise ValueError(f"a bug, quoting {tracker.latest_message.get('text')}")


class ActionEchoingTheLatestMessage(Action):
    """Sets a slot to the latest message's text: shows which call the action was given."""

    def name(self) -> str:
        return "action_echo"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return [{"event": "slot", "name": "echo", "value": tracker.latest_message.get("text")}]


class ActionEchoingItsEvents(Action):
    """Sets a slot to the events it was given (test_action_call_delta.py), then adds one, as forms do."""

    def name(self) -> str:
        return "action_echo_events"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        given = list(tracker.events)
        tracker.add_slots([{"event": "slot", "name": "echo", "value": "added by the action"}])
        # and which domain it was given (None: none), by the protocol's own digest of its content
        seen = domain_digest(domain) if domain else None
        return [{"event": "slot", "name": "events", "value": given}, {"event": "slot", "name": "domain", "value": seen}]
