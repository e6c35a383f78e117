"""The development store keeping trackers (channels/kept_trackers.py) reads back what Rasa's store would.

Two stores are driven side by side, turn by turn, as Rasa's processor drives one: read the
conversation, add the turn's events, save (or not: a failed turn). One is the project's store
with the conversations kept as trackers, the other the same store the Rasa way (JSON text, every
event decoded and replayed at each read). After every turn both reads, of the last session and
of the whole conversation, must give the same tracker.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.shared.core.domain import Domain
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

from bot.config import REPO_ROOT
from channels import kept_trackers, turn_cost
from channels.redacting_store import RedactingInMemoryTrackerStore

CODE, PHONE = "482913", "13812345678"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO_ROOT / "domain.yml"))


def _user(text: str, intent: str = "inform", **entities: Any) -> UserUttered:
    found = [{"entity": k, "value": v, "start": 0, "end": 1} for k, v in entities.items()]
    return UserUttered(text, {"name": intent, "confidence": 0.9}, found, {"text": text, "intent": {"name": intent}})


# Each makes a new event (a tracker's events are never shared between the two stores).
EVENTS: dict[str, Callable[[], Event]] = {
    "listen": lambda: ActionExecuted("action_listen"),
    "session": lambda: ActionExecuted("action_session_start"),
    "session_started": SessionStarted,
    "ask": lambda: _user("借呗能注销吗", "close_account", product="jiebei"),
    "code": lambda: _user(CODE, "inform", amount=int(CODE)),
    "spaced_code": lambda: _user("482 913"),  # a code only while one is awaited
    "phone": lambda: _user(f"打 {PHONE}"),
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


def _stores(domain: Domain) -> tuple[RedactingInMemoryTrackerStore, RedactingInMemoryTrackerStore]:
    ours = RedactingInMemoryTrackerStore(domain)
    rasas = RedactingInMemoryTrackerStore(domain)
    rasas.kept = None  # the Rasa way: JSON text
    assert ours.kept is not None
    return ours, rasas


def _state(tracker: DialogueStateTracker | None) -> Any:
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


async def _turn(store: RedactingInMemoryTrackerStore, sender: str, events: list[Event], saved: bool) -> None:
    """One message as the processor handles it: read (or start), add the events, save unless the turn failed."""
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.model_id = "a-model"  # the processor's: new events carry it
    for event in events:
        tracker.update(event)
    if saved:
        await store.save(tracker)


async def _same_reads(ours: RedactingInMemoryTrackerStore, rasas: RedactingInMemoryTrackerStore, sender: str) -> None:
    assert _state(await ours.retrieve(sender)) == _state(await rasas.retrieve(sender))
    assert _state(await ours.retrieve_full_tracker(sender)) == _state(await rasas.retrieve_full_tracker(sender))
    assert ours.stored_json(sender) == rasas.stored_json(sender)


async def _drive(domain: Domain, turns: list[list[str]], saved: list[bool]) -> None:
    turn_cost.install()
    ours, rasas = _stores(domain)
    for n, (names, save) in enumerate(zip(turns, saved, strict=True)):
        events = [EVENTS[name]() for name in names]
        await _turn(ours, "kept", events, save)
        await _turn(rasas, "kept", copy.deepcopy(events), save)
        try:
            await _same_reads(ours, rasas, "kept")
        except AssertionError as error:
            raise AssertionError(f"after turn {n} {names} (saved: {save})") from error


def test_reads_are_rasas_after_every_turn_of_a_conversation(domain: Domain) -> None:
    asyncio.run(_drive(domain, SCRIPT, [True] * len(SCRIPT)))


def test_a_failed_turn_leaves_the_conversation_as_it_was(domain: Domain) -> None:
    saved = [True, True, False, True, False, True, True, False, True, True]
    asyncio.run(_drive(domain, SCRIPT, saved))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    turns=st.lists(st.lists(st.sampled_from(sorted(EVENTS)), min_size=1, max_size=6), min_size=1, max_size=8),
    saved=st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_reads_are_rasas_for_any_conversation(domain: Domain, turns: list[list[str]], saved: list[bool]) -> None:
    asyncio.run(_drive(domain, [OPENING, *turns], [True, *saved[: len(turns)]]))


def test_a_save_encodes_only_the_events_added_since_the_last(domain: Domain, monkeypatch: Any) -> None:
    turn_cost.install()
    encoded: list[int] = []
    dumps = json.dumps

    def counting(value: Any, **kwargs: Any) -> str:
        encoded.append(len(value))
        return dumps(value, **kwargs)

    monkeypatch.setattr(kept_trackers.json, "dumps", counting)
    ours, _ = _stores(domain)
    for names in SCRIPT[:3]:
        asyncio.run(_turn(ours, "counted", [EVENTS[name]() for name in names], saved=True))
    # the first read creates the conversation and saves it empty
    assert encoded == [0, *(len(names) for names in SCRIPT[:3])]


def test_what_a_turn_does_to_its_tracker_is_not_stored_until_saved(domain: Domain) -> None:
    turn_cost.install()
    ours, _ = _stores(domain)

    async def check() -> None:
        await _turn(ours, "own", [EVENTS[name]() for name in SCRIPT[0] + SCRIPT[1]], saved=True)
        first = await ours.retrieve("own")
        before = _state(first)
        assert first is not None
        for event in [_user("花呗呢"), SlotSet("product", ["huabei"]), ActiveLoop(None), FollowupAction("utter_greet")]:
            first.update(event)
        assert _state(await ours.retrieve("own")) == before

    asyncio.run(check())


def test_without_the_cuts_the_store_is_rasas(domain: Domain, monkeypatch: Any) -> None:
    from channels import redacting_store

    monkeypatch.setattr(redacting_store, "TURN_COST_CUTS", False)
    assert RedactingInMemoryTrackerStore(domain).kept is None
