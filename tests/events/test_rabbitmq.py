"""Handoff events really reach RabbitMQ in the documented format (docs/handoff-events.md)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import aio_pika
from sqlalchemy import select

from bot.db.models import HandoffEventOutbox
from bot.db.queries import add_outbox_events
from bot.db.session import session_scope
from bot.handoff.events import AmqpPublisher, event_message
from bot.handoff.outbox import RETRY_SECONDS, send_due
from tests.conftest import run_async
from tests.events.helpdesk import helpdesk_queue, next_message
from tests.factories import handoff_event

# Synchronous tests running their coroutines in a thread (tests.conftest.run_async):
# Playwright's sync API may already own the main thread's event loop in this run.


def test_published_event_is_consumed_from_a_bound_queue(amqp_url: str) -> None:
    run_async(_publish_and_consume(amqp_url))


async def _publish_and_consume(amqp_url: str) -> None:
    async with helpdesk_queue(amqp_url) as (exchange_name, queue):
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
        assert await AmqpPublisher(amqp_url, exchange_name).publish_many([message]) == 1

        received = await next_message(queue)
        assert received.routing_key == "handoff.ticket_created"
        assert received.content_type == "application/json"
        assert received.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert received.type == "ticket_created" and received.message_id == message["event_id"]
        body = json.loads(received.body.decode("utf-8"))
        assert body == message
        assert body["ticket"]["callback_phone_masked"] == "138****5678"
        assert "13812345678" not in received.body.decode("utf-8")


def test_publishing_to_a_wrong_vhost_reports_failure_without_raising(amqp_url: str) -> None:
    bad = amqp_url.rstrip("/") + "/no-such-vhost"
    message = handoff_event("ticket_closed", status="closed")
    assert run_async(asyncio.wait_for(AmqpPublisher(bad, "x").publish_many([message]), timeout=30)) == 0


def test_the_outbox_keeps_events_while_rabbitmq_refuses_and_sends_them_in_order_after(amqp_url: str, factory) -> None:
    run_async(_outbox_through_an_outage(amqp_url, factory))


async def _outbox_through_an_outage(amqp_url: str, factory) -> None:
    messages = [
        handoff_event(event, ticket_id=7, status=s)
        for event, s in (("ticket_created", "queued"), ("ticket_claimed", "claimed"), ("ticket_closed", "closed"))
    ]
    with session_scope(factory) as session:
        add_outbox_events(session, messages)
    async with helpdesk_queue(amqp_url) as (exchange_name, queue):
        refused = AmqpPublisher(amqp_url.rstrip("/") + "/no-such-vhost", exchange_name)
        assert (await send_due(factory, refused)).failed == 3
        later = datetime.now(timezone.utc) + timedelta(seconds=RETRY_SECONDS + 1)
        assert (await send_due(factory, AmqpPublisher(amqp_url, exchange_name), now=later)).sent == 3
        received = [json.loads((await next_message(queue)).body.decode("utf-8")) for _ in messages]
        assert received == messages
    with session_scope(factory) as session:
        assert session.execute(select(HandoffEventOutbox)).first() is None
