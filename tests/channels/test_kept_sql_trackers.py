"""The production store keeping the conversations it serves (channels/redacting_store.py) is Rasa's SQL store.

The project's SQL store, with the cuts, keeps each conversation as a tracker between turns and asks
the table only for rows after the last one it holds. It is driven side by side with the same store
the Rasa way (every read decodes and replays the session, every save counts its rows), turn by turn
as Rasa's processor drives a store, on one PostgreSQL tracker database. After every turn the reads,
of the last session and of the whole conversation, must be the same, and so must the rows written
and the events published to the broker. Two processes (two stores on one table) may serve one
conversation in turn, and either may erase it.
"""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event

from bot.config import REPO_ROOT
from channels import redacting_store, turn_cost
from channels.kept_trackers import KeptConversations
from channels.redacting_store import RedactingSQLTrackerStore
from tests.channels.tracker_events import EVENTS, OPENING, SCRIPT, state

pytestmark = pytest.mark.services


class Published(EventBroker):
    """What the store publishes, in order."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.bodies.append(event)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO_ROOT / "domain.yml"))


@pytest.fixture
def make_store(sql_tracker_store: Any, domain: Domain) -> Any:
    """A store on the run's tracker database: kept trackers (the cuts) or Rasa's way."""
    turn_cost.install()

    def make(*, kept: bool, broker: Published | None = None) -> RedactingSQLTrackerStore:
        store: RedactingSQLTrackerStore = sql_tracker_store(domain, event_broker=broker or Published())
        if not kept:
            store.kept = None
        return store

    return make


class Side:
    """One conversation: the stores that serve it in turn (its processes), its id and what was published."""

    def __init__(self, stores: list[RedactingSQLTrackerStore], sender: str) -> None:
        self.stores, self.sender = stores, sender

    async def turn(self, process: int, events: list[Event], saved: bool) -> None:
        """One message as the processor handles it: read (or start), add the events, save unless the turn failed."""
        store = self.stores[process % len(self.stores)]
        tracker = await store.get_or_create_tracker(self.sender, append_action_listen=False)
        tracker.model_id = "a-model"  # the processor's: new events carry it
        for event in events:
            tracker.update(event)
        if saved:
            await store.save(tracker)

    async def read(self, process: int, *, all_sessions: bool) -> str:
        store = self.stores[process % len(self.stores)]
        found = await (store.retrieve_full_tracker(self.sender) if all_sessions else store.retrieve(self.sender))
        return self._plain(state(found))

    def rows(self) -> str:
        store = self.stores[0]
        with store.session_scope() as session:
            query = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == self.sender)
            found = [
                (r.type_name, r.timestamp, r.intent_name, r.action_name, json.loads(r.data))
                for r in query.order_by(store.SQLEvent.id)
            ]
        return self._plain(found)

    def published(self) -> str:
        return self._plain(_broker(self.stores[0]).bodies)  # one broker for all the processes

    def _plain(self, value: Any) -> str:
        """`value` with the conversation's id taken out: the two sides differ only in it."""
        return repr(value).replace(self.sender, "<sender>")


def _broker(store: RedactingSQLTrackerStore) -> Published:
    assert isinstance(store.event_broker, Published)
    return store.event_broker


def _sides(make_store: Any, processes: int = 1) -> tuple[Side, Side]:
    key = uuid.uuid4().hex
    broker = Published()  # as the processes share a RabbitMQ queue
    ours = Side([make_store(kept=True, broker=broker) for _ in range(processes)], f"kept-{key}")
    assert all(store.kept is not None for store in ours.stores)
    return ours, Side([make_store(kept=False)], f"rasa-{key}")


async def _same(ours: Side, rasas: Side, process: int) -> None:
    assert await ours.read(process, all_sessions=False) == await rasas.read(0, all_sessions=False)
    assert await ours.read(process, all_sessions=True) == await rasas.read(0, all_sessions=True)
    assert ours.rows() == rasas.rows()
    assert ours.published() == rasas.published()


def _drive(ours: Side, rasas: Side, turns: list[tuple[list[str], bool, int]]) -> None:
    """Each turn: its event names, whether it is saved, which process serves it (`erase`: that process erases)."""
    try:
        asyncio.run(_turns(ours, rasas, turns))
    finally:  # hypothesis runs many conversations in one test: each closes its connections
        for store in ours.stores + rasas.stores:
            store.engine.dispose()


async def _turns(ours: Side, rasas: Side, turns: list[tuple[list[str], bool, int]]) -> None:
    for n, (names, saved, process) in enumerate(turns):
        if names == ["erase"]:
            await ours.stores[process % len(ours.stores)].erase(ours.sender)
            await rasas.stores[0].erase(rasas.sender)
        else:
            events = [EVENTS[name]() for name in names]
            await ours.turn(process, events, saved)
            await rasas.turn(0, copy.deepcopy(events), saved)
        try:
            for reader in range(len(ours.stores)):
                await _same(ours, rasas, reader)
        except AssertionError as error:
            raise AssertionError(f"after turn {n} {names} (saved: {saved}, process {process})") from error


def test_reads_rows_and_published_events_are_rasas_after_every_turn(make_store: Any) -> None:
    _drive(*_sides(make_store), [(names, True, 0) for names in SCRIPT])


def test_turns_of_any_length_and_texts_like_placeholders_are_stored_as_rasa_stores_them(make_store: Any) -> None:
    """Each row count's INSERT text is written once and kept, up to a bound; longer turns get theirs each time."""
    ours, rasas = _sides(make_store)
    long = ["bot", "listen"] * (redacting_store.MAX_KEPT_INSERT_ROWS // 2 + 3)
    _drive(ours, rasas, [(OPENING, True, 0), (["percent", "listen"], True, 0), (long, True, 0), (["ask"], True, 0)])
    kept = ours.stores[0]._insert_sqls
    assert 2 in kept and len(long) not in kept and max(kept) <= redacting_store.MAX_KEPT_INSERT_ROWS


def test_a_failed_turn_leaves_the_conversation_as_it_was(make_store: Any) -> None:
    saved = [True, True, False, True, False, True, True, False, True, True]
    _drive(*_sides(make_store), [(names, s, 0) for names, s in zip(SCRIPT, saved, strict=True)])


def test_two_processes_serving_one_conversation_in_turn_read_what_the_other_wrote(make_store: Any) -> None:
    turns = [(names, True, n % 2) for n, names in enumerate(SCRIPT)]
    turns[5:5] = [(["erase"], True, 1), (OPENING, True, 0), (["ask", "listen"], True, 1)]
    _drive(*_sides(make_store, processes=2), turns)


def test_a_conversation_erased_and_begun_again_elsewhere_is_read_anew(make_store: Any) -> None:
    ours, _ = _sides(make_store, processes=2)
    rasas = make_store(kept=False)  # Rasa's read of the same rows

    async def check() -> None:
        for names in SCRIPT[:3]:
            await ours.turn(0, [EVENTS[name]() for name in names], saved=True)
        await ours.stores[1].erase(ours.sender)
        for names in [["ask", "listen"], ["bot", "listen"]]:  # no new session: only the lost row tells
            await ours.turn(1, [EVENTS[name]() for name in names], saved=True)
        assert state(await ours.stores[0].retrieve(ours.sender)) == state(await rasas.retrieve(ours.sender))

    asyncio.run(check())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    turns=st.lists(
        st.tuples(
            st.one_of(
                st.lists(st.sampled_from(sorted(EVENTS)), min_size=1, max_size=6),
                st.just(["erase"]),
                st.just(OPENING),
            ),
            st.booleans(),
            st.integers(0, 1),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_reads_are_rasas_for_any_conversation_served_by_two_processes(make_store: Any, turns: list[Any]) -> None:
    _drive(*_sides(make_store, processes=2), [(OPENING, True, 0), *turns])


def test_a_read_decodes_only_the_rows_it_does_not_hold(make_store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[str] = []
    extend = KeptConversations.extend

    def counting(self: KeptConversations, sender_id: str, stored: list[dict[str, Any]]) -> None:
        decoded.extend(str(data["event"]) for data in stored)
        extend(self, sender_id, stored)

    monkeypatch.setattr(KeptConversations, "extend", counting)
    ours, _ = _sides(make_store, processes=2)

    async def check() -> None:
        await ours.turn(0, [EVENTS[name]() for name in OPENING], saved=True)
        await ours.read(0, all_sessions=False)  # the first read after a save made elsewhere: the whole session
        decoded.clear()
        for names in SCRIPT[1:3]:
            await ours.turn(0, [EVENTS[name]() for name in names], saved=True)
        assert decoded == []  # its own turns: nothing to decode
        await ours.read(1, all_sessions=False)  # the other process has never held it: the session, whole
        decoded.clear()
        await ours.turn(0, [EVENTS["ask"](), EVENTS["listen"]()], saved=True)
        assert decoded == []
        await ours.read(1, all_sessions=False)  # only the two rows process 0 added
        assert decoded == ["user", "action"]

    asyncio.run(check())


def test_a_process_keeps_at_most_its_limit_of_conversations(make_store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redacting_store, "KEPT_SQL_CONVERSATIONS", 2)
    store, rasas = make_store(kept=True), make_store(kept=False)
    assert store.kept is not None and store.kept.limit == 2
    senders = [f"limit-{uuid.uuid4().hex}" for _ in range(3)]

    async def check() -> None:
        for sender in senders:
            for names in SCRIPT[:3]:
                await Side([store], sender).turn(0, [EVENTS[name]() for name in names], saved=True)
        assert list(store.kept.kept) == senders[1:]
        for sender in senders:  # the one forgotten is read whole again, the others from what is kept
            assert state(await store.retrieve(sender)) == state(await rasas.retrieve(sender))
        assert list(store.kept.kept) == senders[1:]  # each read kept its conversation, the oldest went
        assert set(store._rows) == set(senders[1:])  # and where it stood in the table went with it

    asyncio.run(check())


def test_without_the_cuts_the_sql_store_is_rasas(make_store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redacting_store, "TURN_COST_CUTS", False)
    assert make_store(kept=True).kept is None
