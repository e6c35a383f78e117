"""Handoff events through an outbox: written with the ticket change, sent when RabbitMQ takes them.

Publishing straight after a change lost the event whenever RabbitMQ was restarting or out of
reach, and an external helpdesk that follows the events never saw that ticket. Now a change's
events are rows of `handoff_event_outbox`, written in the change's own transaction
(`record`), and `send_due` sends the rows that are due, oldest first (one retried after a
failure can come after later ones), deleting each once RabbitMQ has confirmed it. A row that
could not be sent is tried again RETRY_SECONDS later, by
whichever process looks first: the process that made the change right after committing it, and
every Rasa server every SEND_INTERVAL_SECONDS (`EventOutboxSender`). Delivery is at least once (a
process that dies between RabbitMQ's confirmation and the delete sends that event again):
helpdesks deduplicate on `event_id` (docs/handoff-events.md). Rows older than MAX_AGE are given
up with a warning, so a helpdesk that was off for days is not flooded with stale tickets.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.db import queries
from bot.db.session import run_in_session
from bot.handoff.events import Publisher

log = logging.getLogger(__name__)

RETRY_SECONDS = 30.0
SEND_INTERVAL_SECONDS = 15.0
MAX_AGE = timedelta(days=1)
BATCH = 100
# A backlog older than a retry and three rounds is no passing hiccup: RabbitMQ is out of reach
# of the Rasa servers, or none of them is running (`python -m bot.cli outbox`, make prod-health).
LATE_AFTER = timedelta(seconds=RETRY_SECONDS + 3 * SEND_INTERVAL_SECONDS)


class HasEvents(Protocol):
    """An outcome of a ticket change: the event messages it reports."""

    @property
    def events(self) -> tuple[dict[str, Any], ...]:
        """The change's event messages (bot.handoff.events.event_message), in order."""
        ...


Outcome = TypeVar("Outcome", bound=HasEvents)


def record(session: Session, outcome: Outcome) -> Outcome:
    """Write the events of a change's outcome to the outbox, in the change's own session; the outcome."""
    queries.add_outbox_events(session, outcome.events)
    return outcome


@dataclass(frozen=True)
class Sent:
    """What one `send_due` did."""

    sent: int  # confirmed by RabbitMQ and deleted
    failed: int  # claimed but not delivered: due again after RETRY_SECONDS
    dropped: int  # older than MAX_AGE, given up


async def send_due(factory: sessionmaker, publisher: Publisher, *, now: datetime | None = None) -> Sent:
    """Send every event that is due, in batches; stops at the first batch RabbitMQ did not take whole."""
    moment = now or datetime.now(timezone.utc)
    retry_at = moment + timedelta(seconds=RETRY_SECONDS)
    dropped = sent = failed = 0
    while True:
        stale, claimed = await run_in_session(factory, _take_due, moment, retry_at)
        if stale:
            dropped += stale
            log.warning("%d handoff events older than %s were never sent and are dropped", stale, MAX_AGE)
        if not claimed:
            break
        delivered = await publisher.publish_many([message for _, message in claimed])
        await run_in_session(factory, queries.delete_outbox_events, [row_id for row_id, _ in claimed[:delivered]])
        sent += delivered
        if delivered < len(claimed):
            failed += len(claimed) - delivered
            break
    return Sent(sent, failed, dropped)


async def send_now(factory: sessionmaker, publisher: Publisher) -> Sent | None:
    """`send_due`, logging instead of raising: a change is committed and its conversation goes on."""
    try:
        return await send_due(factory, publisher)
    except Exception as problem:  # the database is out of reach: the rows wait there for the next round
        log.warning("handoff events not sent now: %s", problem)
        return None


def _take_due(session: Session, now: datetime, retry_at: datetime) -> tuple[int, list[tuple[int, dict[str, Any]]]]:
    """One transaction: give up the stale events (how many), then claim a batch of due ones."""
    stale = queries.drop_outbox_events_before(session, now - MAX_AGE)
    return stale, queries.claim_outbox_events(session, now=now, retry_at=retry_at, limit=BATCH)


def backlog_report(count: int, oldest: datetime | None, now: datetime) -> tuple[str, bool]:
    """A line for operators on the events waiting to be sent, and whether they are late."""
    if count == 0 or oldest is None:
        return "no handoff events waiting", False
    waited = max(0, int((now - oldest).total_seconds()))
    late = now - oldest > LATE_AFTER
    line = f"{count} handoff events waiting, the oldest for {waited} s"
    if late:
        line += " (RabbitMQ out of reach of the Rasa servers, or none running: see their logs)"
    return line, late


class EventOutboxSender:
    """Sends due events now and then, and at once when asked (`wake`), in the background of one server.

    Never raises into the server: a database or broker that is down is logged, and the next
    round tries again.
    """

    def __init__(self, factory: sessionmaker, publisher: Publisher, *, interval: float = SEND_INTERVAL_SECONDS) -> None:
        self.factory = factory
        self.publisher = publisher
        self.interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the rounds on the running event loop (once)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._rounds())

    def wake(self) -> None:
        """Send what is due now (a change has just been committed)."""
        self._wake.set()

    async def stop(self) -> None:
        """End the rounds (the server is stopping)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _rounds(self) -> None:
        while True:
            self._wake.clear()
            await send_now(self.factory, self.publisher)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            except asyncio.TimeoutError:
                pass
