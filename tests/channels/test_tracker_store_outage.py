"""The production tracker store while its PostgreSQL goes away and comes back (through a cuttable TCP proxy)."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

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
