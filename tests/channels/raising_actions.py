"""An action that raises a plain bug, for tests/channels/test_action_server_outage.py (not the project's actions)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


class ActionWithABug(Action):
    def name(self) -> str:
        return "action_with_a_bug"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        raise ValueError(f"a bug, quoting {tracker.latest_message.get('text')}")
