"""Rasa's event broker while RabbitMQ is down: the server starts at once, events wait and then arrive."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from urllib.parse import urlparse

import aio_pika
from rasa.utils.endpoints import EndpointConfig

from benchmarks.prod_topology import queued_messages
from channels.event_broker import ResilientPikaEventBroker
from tests.conftest import run_async
from tests.faults.fault_proxy import FaultProxy

PROXY_PORT = 16096  # this test's own port (the fault tests use 16020-16060)


def _config(port: int, queue: str, **extra: object) -> EndpointConfig:
    return EndpointConfig(
        url="127.0.0.1",
        type="channels.event_broker.ResilientPikaEventBroker",
        port=str(port),
        username="guest",
        password="guest",
        queues=[queue],
        # an exchange of the test's own: a Rasa on this machine publishing to `rasa-exchange` meanwhile
        # would put its events in the test's queue
        exchange_name=f"{queue}.exchange",
        **extra,
    )


def test_rabbitmq_down_does_not_hold_up_the_start_and_the_buffer_is_bounded() -> None:
    async def scenario() -> None:
        began = time.monotonic()
        broker = await ResilientPikaEventBroker.from_endpoint_config(_config(16095, "unused", max_unpublished="3"))
        assert broker is not None
        assert time.monotonic() - began < 1  # Rasa's own PikaEventBroker waits about a minute, then fails
        for n in range(5):
            broker.publish({"event": "user", "text": f"m{n}"})
        assert [e["text"] for e in broker._unpublished_events] == ["m2", "m3", "m4"]
        assert broker.dropped == 2 and not broker.is_ready()
        await broker.close()

    run_async(scenario())


def test_events_published_while_rabbitmq_is_down_arrive_once_it_is_back(amqp_url: str) -> None:
    url = urlparse(amqp_url)
    proxy = FaultProxy(PROXY_PORT, url.hostname or "127.0.0.1", url.port or 5672)
    proxy.cut()
    queue_name = f"test.events.{uuid.uuid4().hex[:8]}"

    async def scenario() -> None:
        broker = await ResilientPikaEventBroker.from_endpoint_config(_config(PROXY_PORT, queue_name))
        assert broker is not None
        for n in range(3):
            broker.publish({"event": "user", "text": f"m{n}", "sender_id": "c"})
        await asyncio.sleep(1.5)  # a failed attempt or two
        proxy.restore()
        for _ in range(100):  # back-off: 1 s, 2 s, 4 s …
            if broker.is_ready() and not broker._unpublished_events:
                break
            await asyncio.sleep(0.1)
        assert broker.is_ready()
        assert await _drain(queue_name, amqp_url, 3) == ["m0", "m1", "m2"]
        await broker.close()

    try:
        run_async(scenario())
    finally:
        proxy.close()


def test_events_reach_rabbitmq_while_the_event_loop_stays_busy(amqp_url: str) -> None:
    """On a busy Rasa server each turn of the event loop runs someone's dialogue prediction. Sent one
    per loop turn (aio-pika's way), 200 events would take about 200 of them; they must all be in
    RabbitMQ after 60, the loop never having been idle."""
    url = urlparse(amqp_url)
    queue_name = f"test.events.{uuid.uuid4().hex[:8]}"
    events, busy_turns = 200, 60

    async def scenario() -> tuple[int | None, list[str]]:
        broker = await ResilientPikaEventBroker.from_endpoint_config(_config(url.port or 5672, queue_name))
        assert broker is not None
        for _ in range(100):
            if broker.is_ready():
                break
            await asyncio.sleep(0.1)
        for n in range(events):
            broker.publish({"event": "bot", "text": f"m{n}", "sender_id": "c"})
        for _ in range(busy_turns):
            time.sleep(0.003)  # a prediction: CPU work that holds the loop
            await asyncio.sleep(0)  # one loop turn for everything else, the broker included
        # counted while this loop is still held: from a connection in a thread of its own
        in_rabbitmq = queued_messages(queue_name, amqp_url)
        texts = await _drain(queue_name, amqp_url, events)
        await broker.close()
        return in_rabbitmq, texts

    in_rabbitmq, texts = run_async(scenario())
    assert in_rabbitmq == events, f"{in_rabbitmq} of {events} events in RabbitMQ after {busy_turns} busy loop turns"
    assert texts == [f"m{n}" for n in range(events)]  # each once, in order


def test_a_rabbitmq_that_stops_answering_holds_a_bounded_number_of_events(amqp_url: str) -> None:
    """Under a memory alarm RabbitMQ stops reading from publishers: no confirmation comes back. Each
    event would stay a task waiting for one until the Rasa process ran out of memory; at most
    `max_unpublished` wait in flight and as many in the buffer (the oldest of those dropped), and
    once RabbitMQ answers again they arrive in order."""
    url = urlparse(amqp_url)
    proxy = FaultProxy(PROXY_PORT + 1, url.hostname or "127.0.0.1", url.port or 5672)
    queue_name = f"test.events.{uuid.uuid4().hex[:8]}"

    async def scenario() -> list[str]:
        broker = await ResilientPikaEventBroker.from_endpoint_config(
            _config(PROXY_PORT + 1, queue_name, max_unpublished="50")
        )
        assert broker is not None
        for _ in range(100):
            if broker.is_ready():
                break
            await asyncio.sleep(0.1)
        assert broker.is_ready()
        proxy.stall()
        for n in range(500):
            broker.publish({"event": "bot", "text": f"m{n}", "sender_id": "c"})
            await asyncio.sleep(0)
        await asyncio.sleep(1)
        assert len(broker._background_tasks) == 50  # in flight, each waiting for its confirmation
        assert [e["text"] for e in broker._unpublished_events] == [f"m{n}" for n in range(450, 500)]
        assert broker.dropped == 400
        proxy.resume()
        for _ in range(100):
            if not broker._background_tasks and not broker._unpublished_events:
                break
            await asyncio.sleep(0.1)
        texts = await _drain(queue_name, amqp_url, 100)
        await broker.close()
        return texts

    try:
        texts = run_async(scenario())
    finally:
        proxy.resume()
        proxy.close()
    assert texts == [f"m{n}" for n in [*range(50), *range(450, 500)]]


async def _drain(queue_name: str, amqp_url: str, expected: int) -> list[str]:
    """The texts of the queue's events, in order; the queue is deleted."""
    connection = await aio_pika.connect(amqp_url, timeout=5)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, durable=True)
        texts: list[str] = []
        for _ in range(50):
            while (message := await queue.get(fail=False, no_ack=True)) is not None:
                texts.append(json.loads(message.body)["text"])
            if len(texts) >= expected:
                break
            await asyncio.sleep(0.1)
        await queue.delete(if_unused=False, if_empty=False)
        await channel.exchange_delete(f"{queue_name}.exchange")
    return texts
