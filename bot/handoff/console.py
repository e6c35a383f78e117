"""What an agent does in the console: list the queue, read a ticket, claim, reply, note, hand back, close.

The use cases behind channels/agent_console.py, as plain functions on a
`Session`. Each change is checked by the ticket state machine
(bot.handoff.tickets) and audited (bot.db.queries), and returns a
`ConsoleOutcome` saying what the caller must do once the transaction is
committed: what happens to the bot in the customer's conversation, which
events to publish, and which waiting customers to tell their new place.

Raises (every change):
    LookupError: no such ticket.
    bot.handoff.tickets.InvalidTicketTransition: the ticket's state or owner does not allow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.core.formatting import as_utc
from bot.db import queries
from bot.handoff import tickets as ho
from bot.handoff.events import ticket_message
from bot.handoff.phones import mask_phone
from bot.handoff.queue import WaitingCustomer, waiting_customers

if TYPE_CHECKING:
    from bot.db.models import HandoffTicket


@dataclass(frozen=True)
class TicketView:
    """A ticket as the console lists it; `position` is its place while it waits in the queue (listings only)."""

    id: int
    kind: str
    status: str
    reason: str
    conversation_id: str
    customer_id: str | None
    customer_name: str | None
    claimed_by: str | None
    created_at: datetime | None
    position: int | None = None


@dataclass(frozen=True)
class NoteView:
    """An internal note (never shown to the customer)."""

    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class TicketDetail:
    """One ticket with what the agent reads: summary, the message left, the callback number, notes.

    `opened_at` / `closed_at` (seconds since the epoch) bound the transcript shown with it (`ticket_session`).
    """

    ticket: TicketView
    summary: dict[str, Any]
    message: str | None
    callback_phone: str | None
    callback_phone_masked: str | None
    notes: tuple[NoteView, ...]
    opened_at: float
    closed_at: float | None


class BotChange(Enum):
    """What happens to the bot in the customer's conversation."""

    NONE = "none"
    HAND_BACK = "hand_back"  # the bot resumes and says so
    RESUME_SILENTLY = "resume_silently"  # a live ticket closed: the bot resumes without a word


@dataclass(frozen=True)
class ConsoleOutcome:
    """A committed change and what to do next, in this order: the bot, the events, the waiting customers."""

    ticket: TicketView
    bot: BotChange = BotChange.NONE
    events: tuple[dict[str, Any], ...] = ()
    waiting: tuple[WaitingCustomer, ...] = ()


def queue_view(session: Session, *, include_finished: int) -> list[TicketView]:
    """Open tickets oldest first (waiting ones with their place), then up to `include_finished` finished ones."""
    places = {w.ticket_id: w.position for w in waiting_customers(session)}
    return [
        _view(t, position=places.get(t.id)) for t in queries.list_tickets(session, include_finished=include_finished)
    ]


def ticket_detail(session: Session, ticket_id: int, *, agent: str, channel: str) -> TicketDetail | None:
    """One ticket for a logged-in agent (the full callback number is shown only here), or None.

    Reading is audited: who opened which ticket, when (personal data shown to an agent).
    """
    ticket = queries.get_ticket(session, ticket_id)
    if ticket is None:
        return None
    queries.record_ticket_read(session, ticket=ticket, agent=agent, channel=channel)
    return TicketDetail(
        ticket=_view(ticket),
        summary=ticket.summary,
        message=ticket.message,
        callback_phone=ticket.callback_phone,
        callback_phone_masked=mask_phone(ticket.callback_phone) or None,
        notes=tuple(NoteView(n.author, n.text, n.created_at) for n in ticket.notes),
        opened_at=_epoch(ticket.created_at),
        closed_at=_epoch(ticket.closed_at) if ticket.closed_at else None,
    )


SESSION_BOUNDARIES = frozenset({"session_started", "restart"})


def ticket_session(events: list[dict[str, Any]], *, opened_at: float, closed_at: float | None) -> list[dict[str, Any]]:
    """The part of a conversation (serialised events, oldest first) that a ticket's transcript shows.

    From the conversation's latest session start (or restart) before the ticket
    was opened, to the next one, or to the customer's first message after the
    ticket's closing if that comes first: earlier sessions, and what the customer
    said after the ticket was finished, are not for the agent reading this ticket.
    The hand back itself (the bot resuming and saying so) is written just after
    the closing and still belongs to the ticket.
    """
    start = 0
    for index, event in enumerate(events):
        if event.get("event") in SESSION_BOUNDARIES and _at(event) <= opened_at:
            start = index
    shown: list[dict[str, Any]] = []
    for event in events[start:]:
        at = _at(event)
        if shown and event.get("event") in SESSION_BOUNDARIES and at > opened_at:
            break
        if closed_at is not None and at > closed_at and event.get("event") == "user":
            break
        shown.append(event)
    return shown


def _at(event: dict[str, Any]) -> float:
    value = event.get("timestamp")
    return float(value) if isinstance(value, int | float) else 0.0


def _epoch(moment: datetime) -> float:
    """Seconds since the epoch; a naive datetime (SQLite) is UTC."""
    return as_utc(moment).timestamp()


def claim(session: Session, *, ticket_id: int, agent: str, channel: str) -> ConsoleOutcome:
    """`agent` takes a queued (or message-left) ticket; everyone still waiting moves up."""
    ticket = queries.transition_ticket(session, ticket_id=ticket_id, action="claim", agent=agent, channel=channel)
    return ConsoleOutcome(
        _view(ticket),
        events=(ticket_message("ticket_claimed", ticket, agent=agent),),
        waiting=waiting_customers(session),
    )


def reply(session: Session, *, ticket_id: int, agent: str, text: str, channel: str) -> ConsoleOutcome:
    """Check that `agent` may answer the customer and audit it; the caller delivers `text` to the conversation."""
    ticket = queries.record_agent_reply(session, ticket_id=ticket_id, agent=agent, text=text, channel=channel)
    return ConsoleOutcome(
        _view(ticket), events=(ticket_message("agent_replied", ticket, agent=agent, data={"chars": len(text)}),)
    )


def add_note(session: Session, *, ticket_id: int, agent: str, text: str, channel: str) -> ConsoleOutcome:
    """An internal note on an open ticket."""
    queries.add_ticket_note(session, ticket_id=ticket_id, agent=agent, text=text, channel=channel)
    ticket = queries.get_ticket(session, ticket_id)
    assert ticket is not None  # add_ticket_note raised otherwise
    return ConsoleOutcome(
        _view(ticket), events=(ticket_message("note_added", ticket, agent=agent, data={"chars": len(text)}),)
    )


def hand_back(session: Session, *, ticket_id: int, agent: str, channel: str) -> ConsoleOutcome:
    """The agent gives the conversation back to the bot, which says so."""
    ticket = queries.transition_ticket(session, ticket_id=ticket_id, action="hand_back", agent=agent, channel=channel)
    return ConsoleOutcome(
        _view(ticket), bot=BotChange.HAND_BACK, events=(ticket_message("handed_back", ticket, agent=agent),)
    )


def close(session: Session, *, ticket_id: int, agent: str, channel: str) -> ConsoleOutcome:
    """Close the ticket: a live conversation gets the bot back quietly; everyone still waiting moves up."""
    ticket = queries.transition_ticket(session, ticket_id=ticket_id, action="close", agent=agent, channel=channel)
    live = ticket.kind == ho.TicketKind.LIVE.value
    return ConsoleOutcome(
        _view(ticket),
        bot=BotChange.RESUME_SILENTLY if live else BotChange.NONE,
        events=(ticket_message("ticket_closed", ticket, agent=agent),),
        waiting=waiting_customers(session),
    )


def _view(ticket: HandoffTicket, *, position: int | None = None) -> TicketView:
    customer = (ticket.summary or {}).get("customer") or {}
    return TicketView(
        id=ticket.id,
        kind=ticket.kind,
        status=ticket.status,
        reason=ticket.reason,
        conversation_id=ticket.conversation_id,
        customer_id=ticket.customer_id,
        customer_name=customer.get("name"),
        claimed_by=ticket.claimed_by,
        created_at=ticket.created_at,
        position=position,
    )
