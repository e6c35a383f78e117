"""Handoff and ticket events published to RabbitMQ for an external helpdesk.

Off unless BOT_EVENTS_AMQP_URL is set (the embedded default publishes nothing).
Messages are JSON on a durable topic exchange (BOT_EVENTS_EXCHANGE) with the
routing key `handoff.<event>`; the format is documented in docs/handoff-events.md
and built by `event_message`, which is pure. Events go out through the outbox
(bot.handoff.outbox): a broker that is down is logged, the chat goes on, and the
events are sent when it is back.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timezone
from typing import Any, Protocol

from bot.handoff.phones import mask_phone

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
EVENTS = ("ticket_created", "ticket_claimed", "agent_replied", "note_added", "handed_back", "ticket_closed")
PUBLISH_TIMEOUT_SECONDS = 5.0


def event_message(
    event: str,
    *,
    ticket_id: int,
    conversation_id: str,
    customer_id: str | None,
    kind: str,
    status: str,
    reason: str,
    agent: str | None = None,
    data: dict[str, Any] | None = None,
    callback_phone: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The JSON body of one event (see docs/handoff-events.md). Phone numbers are masked."""
    if event not in EVENTS:
        raise ValueError(f"unknown handoff event {event!r}")
    moment = at or datetime.now(timezone.utc)
    return {
        "schema_version": SCHEMA_VERSION,
        "event_id": uuid.uuid4().hex,
        "event": event,
        "occurred_at": moment.isoformat(),
        "ticket": {
            "id": ticket_id,
            "kind": kind,
            "status": status,
            "reason": reason,
            "conversation_id": conversation_id,
            "customer_id": customer_id,
            "callback_phone_masked": mask_phone(callback_phone) or None,
        },
        "agent": agent,
        "data": data or {},
    }


def ticket_message(
    event: str, ticket: Any, *, agent: str | None = None, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`event_message` for a ticket row (bot.db.models.HandoffTicket)."""
    return event_message(
        event,
        ticket_id=ticket.id,
        conversation_id=ticket.conversation_id,
        customer_id=ticket.customer_id,
        kind=ticket.kind,
        status=ticket.status,
        reason=ticket.reason,
        agent=agent,
        data=data,
        callback_phone=ticket.callback_phone,
    )


def routing_key(event: str) -> str:
    """Topic routing key for an event: handoff.ticket_created ..."""
    return f"handoff.{event}"


class Publisher(Protocol):
    """Something that publishes event messages."""

    async def publish_many(self, messages: list[dict[str, Any]]) -> int:
        """Publish in order; how many, from the first, were delivered (the rest are to be sent again)."""
        ...


class AmqpPublisher:
    """Publishes to a durable topic exchange, one short connection per batch.

    Handoffs are a few per minute and the outbox (bot.handoff.outbox) sends what is due
    together, so a connection per batch keeps this free of reconnect logic; the exchange is
    declared (idempotently) every time.
    """

    def __init__(self, url: str, exchange: str) -> None:
        self.url = url
        self.exchange = exchange

    async def publish_many(self, messages: list[dict[str, Any]]) -> int:
        """Publish persistently, each confirmed by RabbitMQ; logs and stops at the first failure."""
        import aio_pika  # imported here: only deployments that turn events on need it loaded

        delivered = 0
        try:
            connection = await aio_pika.connect(self.url, timeout=PUBLISH_TIMEOUT_SECONDS)
            async with connection:
                channel = await connection.channel()  # with publisher confirms: publish returns once RabbitMQ has it
                exchange = await channel.declare_exchange(self.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
                for message in messages:
                    await exchange.publish(_amqp_message(aio_pika, message), routing_key=routing_key(message["event"]))
                    delivered += 1
        except Exception as exc:  # any broker failure must leave the chat working
            log.warning("handoff events not published (%d of %d sent): %s", delivered, len(messages), exc)
        return delivered


def _amqp_message(aio_pika: Any, message: dict[str, Any]) -> Any:
    return aio_pika.Message(
        json.dumps(message, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=str(message.get("event_id", "")),
        type=str(message.get("event", "")),
    )
