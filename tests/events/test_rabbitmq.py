"""Handoff events really reach RabbitMQ in the documented format (docs/handoff-events.md)."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika

from bot.handoff.events import AmqpPublisher, event_message
from tests.conftest import run_async

# Synchronous tests running their coroutines in a thread (tests.conftest.run_async):
# Playwright's sync API may already own the main thread's event loop in this run.


def test_published_event_is_consumed_from_a_bound_queue(amqp_url: str) -> None:
    run_async(_publish_and_consume(amqp_url))


async def _publish_and_consume(amqp_url: str) -> None:
    exchange_name = f"test.handoff.{uuid.uuid4().hex[:8]}"
    connection = await aio_pika.connect(amqp_url, timeout=5)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="handoff.#")

        message = event_message(
            "ticket_created",
            ticket_id=42,
            conversation_id="demo_frozen",
            customer_id="demo_frozen",
            kind="message",
            status="message_left",
            reason="frozen_by_platform",
            callback_phone="13812345678",
            data={"chars": 12},
        )
        assert await AmqpPublisher(amqp_url, exchange_name).publish(message) is True

        received = await queue.get(timeout=10, fail=True)
        assert received is not None
        await received.ack()
        assert received.routing_key == "handoff.ticket_created"
        assert received.content_type == "application/json"
        assert received.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert received.type == "ticket_created" and received.message_id == message["event_id"]
        body = json.loads(received.body.decode("utf-8"))
        assert body == message
        assert body["ticket"]["callback_phone_masked"] == "138****5678"
        assert "13812345678" not in received.body.decode("utf-8")
        await exchange.delete()


def test_publishing_to_a_wrong_vhost_reports_failure_without_raising(amqp_url: str) -> None:
    bad = amqp_url.rstrip("/") + "/no-such-vhost"
    message = event_message(
        "ticket_closed",
        ticket_id=1,
        conversation_id="c",
        customer_id=None,
        kind="live",
        status="closed",
        reason="requested",
    )
    assert run_async(asyncio.wait_for(AmqpPublisher(bad, "x").publish(message), timeout=30)) is False
