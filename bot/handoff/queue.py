"""Handing a conversation over: queue it for an agent, or leave a message outside service hours.

The use cases behind actions/handoff.py, as plain functions on a `Session`.
They return what the caller must do afterwards: the event messages to publish
(bot.handoff.events) and what to tell the customer. The place in the queue is
worked out here and nowhere else: `queries.tickets_ahead_of` counts who is
ahead, `tickets.queue_position` adds one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.db import queries
from bot.handoff import tickets as ho
from bot.handoff.events import ticket_message
from bot.handoff.phones import mask_phone
from bot.handoff.summary import Turn, build_summary
from bot.nlu.textnorm import normalise
from bot.security.redaction import redact


@dataclass(frozen=True)
class Queued:
    """The conversation waits for an agent (the bot pauses); `created` is False when it already was waiting."""

    ticket_id: int
    created: bool
    estimate: ho.QueueEstimate
    events: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class MessageLeft:
    """A message-left ticket for an agent to call back (nothing is paused)."""

    ticket_id: int
    phone_masked: str
    events: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class WaitingCustomer:
    """A conversation still waiting for an agent and its place in the queue now (1 = next)."""

    ticket_id: int
    conversation_id: str
    position: int


def handoff_reason(session: Session, *, customer_id: str | None, text: str, fallback_streak: int) -> ho.HandoffReason:
    """Why this conversation goes to a human (bot.handoff.tickets.choose_reason), from the latest message as typed."""
    customer = queries.load_customer(session, customer_id) if customer_id else None
    frozen = customer is not None and any(a.status == "frozen_by_platform" for a in customer.accounts)
    return ho.choose_reason(normalise(text), fallback_streak=fallback_streak, has_frozen_account=frozen)


def queue_conversation(
    session: Session,
    *,
    conversation_id: str,
    customer_id: str | None,
    reason: ho.HandoffReason,
    turns: list[Turn],
    channel: str,
    today: date,
    average_handling_minutes: float,
    agents_on_duty: int,
) -> Queued:
    """Open a live ticket with a summary for the agent (unless the conversation has one) and estimate the wait.

    `ticket_created` is published only when the ticket is opened now: a helpdesk
    that de-duplicates on the event id would otherwise see the same ticket twice.
    """
    ticket = queries.live_ticket_for(session, conversation_id)
    created = ticket is None
    if ticket is None:
        known_customer, summary = _summary(session, customer_id, reason, turns, today)
        ticket = queries.open_ticket(
            session,
            conversation_id=conversation_id,
            customer_id=known_customer,
            kind=ho.TicketKind.LIVE,
            reason=reason.value,
            summary=summary,
            channel=channel,
        )
    estimate = ho.estimate_wait(
        queries.tickets_ahead(session, ticket),
        average_handling_minutes=average_handling_minutes,
        agents_on_duty=agents_on_duty,
    )
    events = (ticket_message("ticket_created", ticket),) if created else ()
    return Queued(ticket.id, created, estimate, events)


def leave_message(
    session: Session,
    *,
    conversation_id: str,
    customer_id: str | None,
    reason: ho.HandoffReason,
    turns: list[Turn],
    channel: str,
    today: date,
    message: str,
    callback_phone: str,
) -> MessageLeft:
    """File a message-left ticket (outside service hours) with the callback number and a summary."""
    known_customer, summary = _summary(session, customer_id, reason, turns, today)
    ticket = queries.open_ticket(
        session,
        conversation_id=conversation_id,
        customer_id=known_customer,
        kind=ho.TicketKind.MESSAGE,
        reason=reason.value,
        summary=summary,
        channel=channel,
        message=redact(message),  # the full callback number has its own column, for the agent who calls back
        callback_phone=callback_phone,
    )
    return MessageLeft(ticket.id, mask_phone(callback_phone), (ticket_message("ticket_created", ticket),))


def place_in_queue(
    session: Session, conversation_id: str, *, average_handling_minutes: float, agents_on_duty: int
) -> ho.QueueEstimate | None:
    """Where the conversation's live ticket stands now (others may have been served since), or None without one."""
    ticket = queries.live_ticket_for(session, conversation_id)
    if ticket is None:
        return None
    return ho.estimate_wait(
        queries.tickets_ahead(session, ticket),
        average_handling_minutes=average_handling_minutes,
        agents_on_duty=agents_on_duty,
    )


def waiting_customers(session: Session) -> tuple[WaitingCustomer, ...]:
    """The conversations still waiting, first in line first, with their place now."""
    waiting = queries.waiting_tickets(session)
    ahead = queries.tickets_ahead_of(session, [t.id for t in waiting])
    return tuple(WaitingCustomer(t.id, t.conversation_id, ho.queue_position(ahead.get(t.id, 0))) for t in waiting)


def _summary(
    session: Session, customer_id: str | None, reason: ho.HandoffReason, turns: list[Turn], today: date
) -> tuple[str | None, dict[str, Any]]:
    """The customer the ticket is for (None when unknown) and the agent's summary."""
    customer = queries.load_customer(session, customer_id) if customer_id else None
    phone = queries.customer_phone(session, customer_id) if customer_id else None
    summary = build_summary(reason=reason.value, customer=customer, phone=phone, turns=turns, today=today)
    return (customer.customer_id if customer else None), summary
