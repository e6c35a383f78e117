"""An agent's change in the console reaches RabbitMQ through the outbox (docs/handoff-events.md)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid

import aio_pika
from sqlalchemy import select

from bot.db import models as m
from bot.db import queries as q
from bot.db.session import session_scope
from bot.handoff.tickets import TicketKind
from channels.agent_console import AgentConsoleInput
from tests.channels.serving import serving
from tests.channels.test_console_http import PROD, PUBLIC, log_in, session_header
from tests.conftest import run_async


def test_a_claim_in_the_console_is_published_and_leaves_nothing_behind(amqp_url: str, db_url: str, factory) -> None:
    with session_scope(factory) as s:
        ticket_id = q.open_ticket(
            s,
            conversation_id="demo_balance",
            customer_id="demo_balance",
            kind=TicketKind.LIVE,
            reason="requested",
            summary={},
            channel="rest",
        ).id
    exchange_name = f"test.handoff.{uuid.uuid4().hex[:8]}"
    settings = dataclasses.replace(PROD, database_url=db_url, events_amqp_url=amqp_url, events_exchange=exchange_name)
    body = run_async(_claim_and_consume(settings, amqp_url, exchange_name, ticket_id))
    assert (body["event"], body["ticket"]["id"], body["agent"]) == ("ticket_claimed", ticket_id, "xiaowang")
    with session_scope(factory) as s:
        assert s.execute(select(m.HandoffEventOutbox)).first() is None


async def _claim_and_consume(settings, amqp_url: str, exchange_name: str, ticket_id: int) -> dict:
    connection = await aio_pika.connect(amqp_url, timeout=5)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="handoff.ticket_claimed")
        async with serving([AgentConsoleInput(settings)]) as http:
            logged_in = await log_in(http, Origin=PUBLIC, **{"Sec-Fetch-Site": "same-origin"})
            cookie = session_header(logged_in, "__Host-console_session")
            async with http.get("/console/api/me", headers=cookie) as me:
                csrf = (await me.json())["csrf"]
            post = {**cookie, "X-CSRF-Token": csrf, "Origin": PUBLIC, "Sec-Fetch-Site": "same-origin"}
            async with http.post(f"/console/api/tickets/{ticket_id}/claim", json={}, headers=post) as claimed:
                assert claimed.status == 200
            delivered = await _next_message(queue)  # sent in the background, right after the claim
            await asyncio.sleep(0.2)  # the delete follows RabbitMQ's confirmation
        await exchange.delete()
        return dict(json.loads(delivered.body.decode("utf-8")))


async def _next_message(
    queue: aio_pika.abc.AbstractQueue, seconds: float = 10.0
) -> aio_pika.abc.AbstractIncomingMessage:
    """The first message in the queue, waiting for it (a basic.get answers at once, empty or not)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        message = await queue.get(fail=False)
        if message is not None:
            await message.ack()
            return message
        assert asyncio.get_running_loop().time() < deadline, "no event reached RabbitMQ"
        await asyncio.sleep(0.05)
