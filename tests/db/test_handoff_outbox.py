"""The handoff event outbox on SQLite and PostgreSQL: written with the change, sent in order, kept until taken."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from bot.db import models as m
from bot.db import queries as q
from bot.db.session import session_factory, session_scope
from bot.handoff import outbox
from bot.handoff import queue as hq
from bot.handoff import tickets as ho
from tests.conftest import TODAY, run_async
from tests.factories import handoff_event


class Broker:
    """Stands in for RabbitMQ: takes `capacity` messages (all when None), then refuses."""

    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = capacity
        self.taken: list[dict[str, Any]] = []

    async def publish_many(self, messages: list[dict[str, Any]]) -> int:
        room = len(messages) if self.capacity is None else max(0, self.capacity - len(self.taken))
        accepted = messages[:room]
        self.taken.extend(accepted)
        return len(accepted)


def rows(factory) -> list[m.HandoffEventOutbox]:
    with session_scope(factory) as s:
        return list(s.execute(select(m.HandoffEventOutbox).order_by(m.HandoffEventOutbox.id)).scalars())


def write(factory, *messages: dict[str, Any]) -> None:
    with session_scope(factory) as s:
        q.add_outbox_events(s, messages)


def queue_with_events(session, conversation_id: str) -> hq.Queued:
    queued = hq.queue_conversation(
        session,
        conversation_id=conversation_id,
        customer_id="demo_balance",
        reason=ho.HandoffReason.REQUESTED,
        turns=[],
        channel="rest",
        today=TODAY,
        average_handling_minutes=5,
        agents_on_duty=1,
    )
    return outbox.record(session, queued)


def test_the_event_is_written_with_its_ticket_and_not_without(factory) -> None:
    with session_scope(factory) as s:
        queued = queue_with_events(s, "demo_balance")
    (row,) = rows(factory)
    assert row.body == queued.events[0] and row.body["ticket"]["id"] == queued.ticket_id
    assert row.event_id == queued.events[0]["event_id"] and row.attempts == 0

    with pytest.raises(RuntimeError), session_scope(factory) as s:  # the change fails after its events
        queue_with_events(s, "demo_clean")
        raise RuntimeError("the change is rolled back")
    assert len(rows(factory)) == 1
    with session_scope(factory) as s:
        assert q.live_ticket_for(s, "demo_clean") is None


def test_due_events_are_sent_in_order_and_forgotten(factory) -> None:
    sent = [handoff_event(ticket_id=n) for n in range(1, 251)]  # more than one batch
    write(factory, *sent)
    broker = Broker()
    result = run_async(outbox.send_due(factory, broker))
    assert result == outbox.Sent(sent=250, failed=0, dropped=0)
    assert broker.taken == sent
    assert rows(factory) == []
    assert run_async(outbox.send_due(factory, broker)) == outbox.Sent(0, 0, 0)


def test_what_rabbitmq_did_not_take_is_sent_again_later_and_only_then(factory) -> None:
    first, second, third = handoff_event(ticket_id=1), handoff_event(ticket_id=2), handoff_event(ticket_id=3)
    write(factory, first, second, third)
    now = datetime.now(timezone.utc)
    down = Broker(capacity=1)
    assert run_async(outbox.send_due(factory, down, now=now)) == outbox.Sent(sent=1, failed=2, dropped=0)
    assert [r.body for r in rows(factory)] == [second, third]
    assert [r.attempts for r in rows(factory)] == [1, 1]

    back = Broker()
    soon = now + timedelta(seconds=outbox.RETRY_SECONDS / 2)
    assert run_async(outbox.send_due(factory, back, now=soon)).sent == 0  # not before the retry time
    later = now + timedelta(seconds=outbox.RETRY_SECONDS + 1)
    assert run_async(outbox.send_due(factory, back, now=later)).sent == 2
    assert back.taken == [second, third] and rows(factory) == []


def test_events_older_than_a_day_are_given_up(factory) -> None:
    write(factory, handoff_event(ticket_id=1))
    now = datetime.now(timezone.utc)
    broker = Broker()
    stale = run_async(outbox.send_due(factory, broker, now=now + outbox.MAX_AGE + timedelta(minutes=1)))
    assert stale == outbox.Sent(sent=0, failed=0, dropped=1)
    assert broker.taken == [] and rows(factory) == []


def test_the_sender_sends_when_woken_and_on_its_rounds(factory) -> None:
    async def scenario() -> list[dict[str, Any]]:
        broker = Broker()
        sender = outbox.EventOutboxSender(factory, broker, interval=0.2)
        sender.start()
        try:
            write(factory, handoff_event(ticket_id=1))
            sender.wake()
            await _until(lambda: len(broker.taken) == 1)
            write(factory, handoff_event(ticket_id=2))  # nobody wakes it: the next round sends it
            await _until(lambda: len(broker.taken) == 2)
        finally:
            await sender.stop()
        return broker.taken

    taken = run_async(scenario())
    assert [t["ticket"]["id"] for t in taken] == [1, 2]


def test_a_round_with_the_database_out_of_reach_is_logged_and_the_next_goes_on(tmp_path, caplog) -> None:
    missing = session_factory(f"sqlite:///{tmp_path}/no-such-folder/bot.db")

    async def scenario() -> None:
        sender = outbox.EventOutboxSender(missing, Broker(), interval=0.05)
        sender.start()
        await asyncio.sleep(0.3)
        assert sender._task is not None and not sender._task.done()  # still going round
        await sender.stop()

    run_async(scenario())
    assert "handoff events not sent now" in caplog.text


def test_two_processes_never_take_the_same_event(postgres_url: str) -> None:
    factory = session_factory(postgres_url)
    with session_scope(factory) as s:
        s.execute(m.HandoffEventOutbox.__table__.delete())
    write(factory, handoff_event(ticket_id=1), handoff_event(ticket_id=2))
    now = datetime.now(timezone.utc)
    retry_at = now + timedelta(seconds=outbox.RETRY_SECONDS)
    with session_scope(factory) as first:
        taken_first = q.claim_outbox_events(first, now=now, retry_at=retry_at, limit=1)
        with session_scope(factory) as second:  # while the first still holds its row
            taken_second = q.claim_outbox_events(second, now=now, retry_at=retry_at, limit=10)
    assert [body["ticket"]["id"] for _, body in taken_first] == [1]
    assert [body["ticket"]["id"] for _, body in taken_second] == [2]
    with session_scope(factory) as third:  # both are out until their retry time
        assert q.claim_outbox_events(third, now=now, retry_at=retry_at, limit=10) == []


async def _until(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)
