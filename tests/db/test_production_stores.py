"""The production endpoints (endpoints.production.yml) work against real PostgreSQL and Redis.

Not skipped: `make test` starts the local services and CI has them.
"""

from __future__ import annotations

import uuid

import pytest
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import class_from_module_path
from sqlalchemy import create_engine, text

from bot.config import REPO_ROOT
from channels.event_broker import ResilientPikaEventBroker
from channels.lock_store import AtomicRedisLockStore
from channels.redacting_store import RedactingSQLTrackerStore

PRODUCTION_ENV = {
    "ACTION_ENDPOINT_URL": "http://localhost:5055/webhook",
    "TRACKER_DB_HOST": "127.0.0.1",
    "TRACKER_DB_PORT": "5432",
    "TRACKER_DB_NAME": "credit_tracker_test",  # created below, as an operator would
    "TRACKER_DB_USER": "postgres",
    "TRACKER_DB_PASSWORD": "",
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "6379",
    "REDIS_DB": "1",
    "REDIS_PASSWORD": "",
    "RABBITMQ_HOST": "127.0.0.1",
    "RABBITMQ_PORT": "5672",
    "RABBITMQ_USER": "guest",
    "RABBITMQ_PASSWORD": "guest",
    "RABBITMQ_EVENTS_QUEUE": "credit_assistant_events_test",
    "RABBITMQ_EXCHANGE": "credit_assistant_events_test.exchange",
    "BOT_ACTION_SECRET": "production-action-secret-" + "x" * 16,
}


def _create_tracker_database(postgres_url: str) -> None:
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = 'credit_tracker_test'")).first()
        if not exists:
            conn.execute(text("CREATE DATABASE credit_tracker_test"))
    engine.dispose()


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch, postgres_url: str) -> AvailableEndpoints:
    _create_tracker_database(postgres_url)
    for key, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(key, value)
    return AvailableEndpoints.read_endpoints(str(REPO_ROOT / "endpoints.production.yml"))


async def test_tracker_store_keeps_conversations_in_postgresql(endpoints: AvailableEndpoints) -> None:
    domain = Domain.load(str(REPO_ROOT / "domain.yml"))
    store = TrackerStore.create(endpoints.tracker_store, domain)
    assert isinstance(store, RedactingSQLTrackerStore)
    sender = f"prod-test-{uuid.uuid4().hex}"
    tracker = DialogueStateTracker(sender, domain.slots)
    tracker.update(UserUttered("借呗能注销吗", {"name": "close_account", "confidence": 1.0}))
    tracker.update(SlotSet("product", ["jiebei"]))
    await store.save(tracker)
    # a fresh store instance (another Rasa worker) sees the same conversation
    again = await TrackerStore.create(endpoints.tracker_store, domain).retrieve(sender)
    assert again is not None
    assert again.latest_message.text == "借呗能注销吗"
    assert again.get_slot("product") == ["jiebei"]


async def test_lock_store_serialises_a_conversation_in_redis(endpoints: AvailableEndpoints) -> None:
    store = LockStore.create(endpoints.lock_store)
    assert isinstance(store, AtomicRedisLockStore)  # not Rasa's RedisLockStore (tests/channels/test_lock_store.py)
    assert store.max_turn_seconds > 300  # outlives Rasa's action timeout (DEFAULT_REQUEST_TIMEOUT)
    other_worker = LockStore.create(endpoints.lock_store)
    assert isinstance(other_worker, AtomicRedisLockStore)
    conversation = f"prod-test-{uuid.uuid4().hex}"
    async with store.lock(conversation):
        waiting = await other_worker.issue(conversation)
        assert await other_worker.poll(conversation, waiting) == 0  # must wait for the first worker
    assert await other_worker.poll(conversation, waiting) == 1  # its turn now
    await other_worker.release(conversation, waiting)
    assert await other_worker.waiting(conversation) == 0


def test_rasa_streams_tracker_events_to_rabbitmq(endpoints: AvailableEndpoints) -> None:
    assert endpoints.event_broker is not None
    assert endpoints.event_broker.type == "channels.event_broker.ResilientPikaEventBroker"
    assert endpoints.event_broker.kwargs["queues"] == ["credit_assistant_events_test"]
    # the deployment's own fanout exchange: another Rasa on the same RabbitMQ does not feed its queue
    assert endpoints.event_broker.kwargs["exchange_name"] == "credit_assistant_events_test.exchange"
    # a wrong class path would make Rasa run with no broker at all, silently
    assert class_from_module_path(endpoints.event_broker.type) is ResilientPikaEventBroker


def test_rasa_sends_the_action_server_secret(endpoints: AvailableEndpoints) -> None:
    assert endpoints.action.headers == {"X-Action-Secret": PRODUCTION_ENV["BOT_ACTION_SECRET"]}
    development = AvailableEndpoints.read_endpoints(str(REPO_ROOT / "endpoints.yml"))
    assert development.action.headers == {"X-Action-Secret": PRODUCTION_ENV["BOT_ACTION_SECRET"]}
