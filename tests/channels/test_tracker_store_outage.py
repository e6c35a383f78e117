"""The production tracker store while its PostgreSQL goes away and comes back (through a cuttable TCP proxy)."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import pytest
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels.failures import TrackerStoreUnavailable, is_outage
from channels.redacting_store import RedactingSQLTrackerStore
from tests.conftest import run_async
from tests.faults.fault_proxy import FaultProxy

PROXY_PORT = 16094  # this test's own port


@pytest.mark.parametrize("asked_meanwhile", [True, False], ids=["turn-during-outage", "idle-during-outage"])
def test_the_first_turn_after_postgresql_returns_works(
    postgres_url: str, tracker_database: str, asked_meanwhile: bool
) -> None:
    url = urlparse(postgres_url.replace("+psycopg2", ""))
    proxy = FaultProxy(PROXY_PORT, url.hostname or "127.0.0.1", url.port or 5432)
    domain = Domain.empty()
    sender = f"outage-{uuid.uuid4().hex}"

    async def scenario() -> None:
        store = RedactingSQLTrackerStore(
            domain,
            dialect="postgresql",
            host="127.0.0.1",
            port=PROXY_PORT,
            db=tracker_database,
            username=url.username,
        )
        tracker = DialogueStateTracker(sender, domain.slots)
        tracker.update(UserUttered("第一句", {"name": "greet", "confidence": 1.0}))
        await store.save(tracker)  # the pool now holds a connection through the proxy
        proxy.cut()  # PostgreSQL restarted: every pooled connection is dead
        if asked_meanwhile:
            with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises: the turn fails
                await store.retrieve(sender)
        proxy.restore()
        # without pool_pre_ping the pool would hand out a dead connection to the first turn after an idle outage
        again = await store.retrieve(sender)
        assert again is not None and again.latest_message.text == "第一句"
        store.engine.dispose()

    try:
        run_async(scenario())
    finally:
        proxy.close()


def test_a_conversation_that_cannot_be_read_is_refused_not_started_afresh(
    postgres_url: str, tracker_database: str
) -> None:
    """Rasa's FailSafeTrackerStore would answer "no such conversation" and the turn would run as a new one."""
    url = urlparse(postgres_url.replace("+psycopg2", ""))
    proxy = FaultProxy(PROXY_PORT + 1, url.hostname or "127.0.0.1", url.port or 5432)
    domain = Domain.empty()

    async def scenario() -> None:
        sql = RedactingSQLTrackerStore(
            domain,
            dialect="postgresql",
            host="127.0.0.1",
            port=PROXY_PORT + 1,
            db=tracker_database,
            username=url.username,
        )
        store = FailSafeTrackerStore(sql)  # as Rasa's Agent wraps every tracker store
        proxy.cut()
        with pytest.raises(TrackerStoreUnavailable) as refused:
            await store.retrieve(f"outage-{uuid.uuid4().hex}")
        assert is_outage(refused.value)  # the channels say "try again later"
        proxy.restore()
        assert await store.retrieve(f"outage-{uuid.uuid4().hex}") is None  # back: a new conversation is new
        sql.engine.dispose()

    try:
        run_async(scenario())
    finally:
        proxy.close()


def test_another_store_keeps_rasas_fallback() -> None:
    class Broken(InMemoryTrackerStore):
        async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
            raise OSError("down")

    assert run_async(FailSafeTrackerStore(Broken(Domain.empty())).retrieve("x")) is None
    assert is_outage(LockError("redis down")) and not is_outage(ValueError("a bug"))
