"""Both servers publish handoff/ticket events to the local RabbitMQ as documented."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aio_pika
import pytest

from tests.conftest import run_async
from tests.e2e.conftest import EVENTS_EXCHANGE

pytestmark = pytest.mark.e2e


async def _bind(url: str, queue_name: str) -> None:
    connection = await aio_pika.connect(url, timeout=5)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(queue_name, auto_delete=False)
        await queue.bind(exchange, routing_key="handoff.#")


async def _drain(url: str, queue_name: str, ticket_id: int, count: int) -> list[tuple[str, dict[str, Any]]]:
    """The ticket's events from the queue, waiting until `count` came (they are sent after each change commits)."""
    connection = await aio_pika.connect(url, timeout=5)
    received: list[tuple[str, dict[str, Any]]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, auto_delete=False)
        while len(received) < count and loop.time() < deadline:
            message = await queue.get(timeout=5, fail=False)
            if message is None:
                await asyncio.sleep(0.1)
                continue
            await message.ack()
            body = json.loads(message.body.decode("utf-8"))
            if body["ticket"]["id"] == ticket_id:
                received.append((str(message.routing_key), body))
        await asyncio.sleep(1)  # an event sent twice would come now
        while (message := await queue.get(timeout=5, fail=False)) is not None:
            await message.ack()
            received.append((str(message.routing_key), json.loads(message.body.decode("utf-8"))))
        await queue.delete(if_unused=False, if_empty=False)
    return received


def test_ticket_events_from_both_servers(amqp_url: str, chat, console) -> None:
    queue_name = f"e2e.events.{uuid.uuid4().hex[:8]}"
    run_async(_bind(amqp_url, queue_name))
    chat("demo_instalment").say("/request_human")
    agent = console("xiaowang")
    tid = agent.ticket_for("demo_instalment")["id"]
    for path, body in [("claim", None), ("reply", {"text": "您好"}), ("note", {"text": "备注"}), ("handback", None)]:
        assert agent.post(f"/tickets/{tid}/{path}", body).status_code == 200

    events = [
        (key, body) for key, body in run_async(_drain(amqp_url, queue_name, tid, 5)) if body["ticket"]["id"] == tid
    ]
    assert [key for key, _ in events] == [
        "handoff.ticket_created",
        "handoff.ticket_claimed",
        "handoff.agent_replied",
        "handoff.note_added",
        "handoff.handed_back",
    ]
    created, claimed, replied, _, back = (body for _, body in events)
    assert created["agent"] is None and created["ticket"]["status"] == "queued"
    assert created["ticket"]["customer_id"] == "demo_instalment" and created["ticket"]["reason"] == "requested"
    assert claimed["agent"] == "xiaowang" and claimed["ticket"]["status"] == "claimed"
    assert replied["data"] == {"chars": 2} and "您好" not in json.dumps(replied, ensure_ascii=False)
    assert back["ticket"]["status"] == "handed_back"
    assert all(body["schema_version"] == 1 for _, body in events)
