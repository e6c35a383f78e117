"""A custom action that fails answers with an apology instead of silence or a non sequitur (issue 15).

When the action server cannot be reached (killed, restarting: nginx answers 502), or an action
raises (HTTP 500), Rasa 3.6 logs the exception, drops the action's events and goes on predicting
as if the action had run: the user got nothing from it, and the channels then said their "still
here" line (utter_still_here), which ignores the question asked. That is how nginx refusing every
action call (HTTP 413, docs/benchmarks.md) went unnoticed by the fault tests.

`install()` wraps `RemoteAction.run`: a failure of the call becomes the apology
ACTION_FAILED_RESPONSE, and the turn stops there (a follow-up `action_listen`), so no policy
guesses on from a state the action never set. The apology is a BotUttered event like any reply:
it is in the tracker, and what the client got is what the conversation records. A rejection
(HTTP 400 with an action name: a form's validation declining) is Rasa's normal flow and goes on
as before. Installed by channels/redacting_store.py, which every Rasa server of the project loads.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import Event, FollowupAction

from channels.failures import failure_fields

# domain.yml: the apology for a turn whose action failed (the message was fine: "try again later").
ACTION_FAILED_RESPONSE = "utter_try_again_later"
logger = logging.getLogger(__name__)
_originals: dict[str, Any] = {}


async def _run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Event]:
    try:
        events: list[Event] = await _originals["run"](self, output_channel, nlg, tracker, domain)
        return events
    except ActionExecutionRejection:
        raise
    except Exception as exc:
        # the type and place only: Rasa's message may quote the action server's answer
        logger.error("action %s failed: %s", self.name(), failure_fields(exc, sender_id=tracker.sender_id))
        apology = await nlg.generate(ACTION_FAILED_RESPONSE, tracker, output_channel.name())
        if not apology:  # a model trained without the response: Rasa's own handling
            raise
        apology["utter_action"] = ACTION_FAILED_RESPONSE
        return [create_bot_utterance(apology), FollowupAction(ACTION_LISTEN_NAME)]


def install() -> None:
    """Wrap RemoteAction.run (once per process)."""
    if _originals:
        return
    _originals["run"] = RemoteAction.run
    RemoteAction.run = _run


def uninstall() -> None:
    """Rasa's own RemoteAction.run again (tests)."""
    if _originals:
        RemoteAction.run = _originals.pop("run")
