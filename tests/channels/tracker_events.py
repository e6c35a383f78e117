"""Conversations for the tracker store tests: events by name, a scripted conversation, and a read's state.

Each name makes a new event (a tracker's events are never shared between two stores). The script
has forms, rewinds, a form stepping again, personal numbers, a new session, a pause and a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

CODE, PHONE = "482913", "13812345678"


def user(text: str, intent: str = "inform", **entities: Any) -> UserUttered:
    found = [{"entity": k, "value": v, "start": 0, "end": 1} for k, v in entities.items()]
    return UserUttered(text, {"name": intent, "confidence": 0.9}, found, {"text": text, "intent": {"name": intent}})


# Each makes a new event (a tracker's events are never shared between the two stores).
EVENTS: dict[str, Callable[[], Event]] = {
    "listen": lambda: ActionExecuted("action_listen"),
    "session": lambda: ActionExecuted("action_session_start"),
    "session_started": SessionStarted,
    "ask": lambda: user("借呗能注销吗", "close_account", product="jiebei"),
    "code": lambda: user(CODE, "inform", amount=int(CODE)),
    "spaced_code": lambda: user("482 913"),  # a code only while one is awaited
    "phone": lambda: user(f"打 {PHONE}"),
    "percent": lambda: user("年化 18% 吗 %(sender_id_0)s %s"),  # placeholders of the driver's own syntax
    "check": lambda: ActionExecuted("action_check_closure"),
    "form": lambda: ActionExecuted("closure_form"),
    "loop_on": lambda: ActiveLoop("closure_form"),
    "loop_off": lambda: ActiveLoop(None),
    "request_code": lambda: SlotSet("requested_slot", "closure_code"),
    "request_none": lambda: SlotSet("requested_slot", None),
    "code_slot": lambda: SlotSet("closure_code", CODE),
    "phone_slot": lambda: SlotSet("callback_phone", PHONE),
    "product": lambda: SlotSet("product", ["jiebei"]),
    "bot": lambda: BotUttered("可以注销", {"buttons": [{"title": "好", "payload": "/affirm"}]}),
    "agent": lambda: BotUttered(f"请拨 {PHONE}", metadata={"sender": "agent"}),
    "followup": lambda: FollowupAction("utter_greet"),
    "rewind": UserUtteranceReverted,
    "undo": ActionReverted,
    "restart": Restarted,
    "reset": AllSlotsReset,
    "pause": ConversationPaused,
    "resume": ConversationResumed,
}
OPENING = ["session", "session_started", "listen"]
SCRIPT = [
    OPENING,
    ["ask", "product", "check", "bot", "form", "loop_on", "request_code", "listen"],
    ["spaced_code", "form", "code_slot", "request_none", "loop_off", "listen"],
    ["ask", "form", "followup"],  # the form stepping again: Rasa drops its earlier step
    ["rewind", "listen", "phone", "phone_slot", "agent", "listen"],
    ["ask", "bot", "undo", "listen"],
    OPENING,  # a new session in the same conversation
    ["pause", "agent", "resume", "ask", "reset", "listen"],
    ["restart", *OPENING],
    ["code", "listen"],
]


def state(tracker: DialogueStateTracker | None) -> Any:
    """Everything a read tracker is used for: what the actions are sent, the applied events, the rest."""
    if tracker is None:
        return None
    return (
        tracker.current_state(EventVerbosity.ALL),
        [event.as_dict() for event in tracker.applied_events()],
        [type(event) for event in tracker.events],
        tracker.followup_action,
        (tracker.sender_id, tracker.sender_source, tracker.model_id, tracker.assistant_id, tracker.is_rule_tracker),
        {name: slot.value for name, slot in tracker.slots.items()},
    )
