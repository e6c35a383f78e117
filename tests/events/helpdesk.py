"""A helpdesk's side of the handoff events in tests: a queue bound to an exchange of the test's own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue


@asynccontextmanager
async def helpdesk_queue(amqp_url: str, routing_key: str = "handoff.#") -> AsyncIterator[tuple[str, AbstractQueue]]:
    """(exchange name, queue): a fresh topic exchange and a queue bound to it; the exchange is deleted after."""
    exchange_name = f"test.handoff.{uuid.uuid4().hex[:8]}"
    connection = await aio_pika.connect(amqp_url, timeout=5)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key=routing_key)
        try:
            yield exchange_name, queue
        finally:
            await exchange.delete()


async def next_message(queue: AbstractQueue, seconds: float = 10.0) -> AbstractIncomingMessage:
    """The first message in the queue, acknowledged, waiting for it (a basic.get answers at once, empty or not)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        message = await queue.get(fail=False)
        if message is not None:
            await message.ack()
            return message
        assert asyncio.get_running_loop().time() < deadline, "no event reached RabbitMQ"
        await asyncio.sleep(0.05)
