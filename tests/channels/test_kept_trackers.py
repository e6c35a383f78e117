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
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, Event, FollowupAction, SlotSet

from bot.config import REPO_ROOT
from channels import kept_trackers, turn_cost
from channels.redacting_store import RedactingInMemoryTrackerStore
from tests.channels.tracker_events import EVENTS, OPENING, SCRIPT, state, user


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO_ROOT / "domain.yml"))


def _stores(domain: Domain) -> tuple[RedactingInMemoryTrackerStore, RedactingInMemoryTrackerStore]:
    ours = RedactingInMemoryTrackerStore(domain)
    rasas = RedactingInMemoryTrackerStore(domain)
    rasas.kept = None  # the Rasa way: JSON text
    assert ours.kept is not None
    return ours, rasas


async def _turn(store: RedactingInMemoryTrackerStore, sender: str, events: list[Event], saved: bool) -> None:
    """One message as the processor handles it: read (or start), add the events, save unless the turn failed."""
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.model_id = "a-model"  # the processor's: new events carry it
    for event in events:
        tracker.update(event)
    if saved:
        await store.save(tracker)


async def _same_reads(ours: RedactingInMemoryTrackerStore, rasas: RedactingInMemoryTrackerStore, sender: str) -> None:
    assert state(await ours.retrieve(sender)) == state(await rasas.retrieve(sender))
    assert state(await ours.retrieve_full_tracker(sender)) == state(await rasas.retrieve_full_tracker(sender))
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
        before = state(first)
        assert first is not None
        for event in [user("花呗呢"), SlotSet("product", ["huabei"]), ActiveLoop(None), FollowupAction("utter_greet")]:
            first.update(event)
        assert state(await ours.retrieve("own")) == before

    asyncio.run(check())


def test_without_the_cuts_the_store_is_rasas(domain: Domain, monkeypatch: Any) -> None:
    from channels import redacting_store

    monkeypatch.setattr(redacting_store, "TURN_COST_CUTS", False)
    assert RedactingInMemoryTrackerStore(domain).kept is None
