"""Ticket operations on SQLite and PostgreSQL: life cycle, queue, notes, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db import models as m
from bot.db import queries as q
from bot.db.session import session_scope
from bot.handoff.tickets import InvalidTicketTransition, TicketKind
from tests.factories import open_live_ticket as open_live


def audits(session, ticket_id):
    stmt = select(m.AuditEntry).where(
        m.AuditEntry.entity_type == "handoff_ticket", m.AuditEntry.entity_id == str(ticket_id)
    )
    return list(session.execute(stmt.order_by(m.AuditEntry.id)).scalars())


def test_live_ticket_life_cycle_is_audited(factory) -> None:
    with session_scope(factory) as s:
        ticket_id = open_live(s).id
    with session_scope(factory) as s:
        q.transition_ticket(s, ticket_id=ticket_id, action="claim", agent="xiaowang", channel="agent_console")
        q.record_agent_reply(s, ticket_id=ticket_id, agent="xiaowang", text="您好", channel="agent_console")
        q.add_ticket_note(s, ticket_id=ticket_id, agent="xiaowang", text="客户要求提前结清", channel="agent_console")
        q.transition_ticket(s, ticket_id=ticket_id, action="hand_back", agent="xiaowang", channel="agent_console")
    with session_scope(factory) as s:
        ticket = q.get_ticket(s, ticket_id)
        assert ticket is not None
        assert (ticket.status, ticket.claimed_by) == ("handed_back", "xiaowang")
        assert ticket.claimed_at is not None and ticket.closed_at is not None
        assert [n.text for n in ticket.notes] == ["客户要求提前结清"]
        rows = audits(s, ticket_id)
        assert [r.action for r in rows] == [
            "ticket_created",
            "ticket_claim",
            "ticket_agent_replied",
            "ticket_note_added",
            "ticket_hand_back",
        ]
        assert rows[0].actor == "customer:demo_balance" and rows[1].actor == "agent:xiaowang"
        assert rows[4].before["status"] == "claimed" and rows[4].after["status"] == "handed_back"


def test_refused_transition_changes_nothing(factory) -> None:
    with session_scope(factory) as s:
        ticket_id = open_live(s).id
    with pytest.raises(InvalidTicketTransition):
        with session_scope(factory) as s:
            q.transition_ticket(s, ticket_id=ticket_id, action="hand_back", agent="xiaowang", channel="agent_console")
    with pytest.raises(InvalidTicketTransition):
        with session_scope(factory) as s:
            q.record_agent_reply(s, ticket_id=ticket_id, agent="xiaowang", text="hi", channel="agent_console")
    with session_scope(factory) as s:
        q.transition_ticket(s, ticket_id=ticket_id, action="claim", agent="xiaowang", channel="agent_console")
    with pytest.raises(InvalidTicketTransition):
        with session_scope(factory) as s:
            q.transition_ticket(s, ticket_id=ticket_id, action="claim", agent="li", channel="agent_console")
    with session_scope(factory) as s:
        ticket = q.get_ticket(s, ticket_id)
        assert ticket is not None and (ticket.status, ticket.claimed_by) == ("claimed", "xiaowang")
        assert [r.action for r in audits(s, ticket_id)] == ["ticket_created", "ticket_claim"]
    with pytest.raises(LookupError):
        with session_scope(factory) as s:
            q.transition_ticket(s, ticket_id=99999, action="claim", agent="li", channel="agent_console")


def test_queue_positions_and_the_conversations_live_ticket(factory) -> None:
    with session_scope(factory) as s:
        first = open_live(s, "demo_clean", "demo_clean")
        second = open_live(s, "demo_overdue", "demo_overdue")
        third = open_live(s, "web-123", None)  # identity unknown: no customer row
        assert [q.tickets_ahead(s, t) for t in (first, second, third)] == [0, 1, 2]
        assert third.customer_id is None
        ids = (first.id, second.id, third.id)
    with session_scope(factory) as s:
        q.transition_ticket(s, ticket_id=ids[0], action="claim", agent="xiaowang", channel="agent_console")
    with session_scope(factory) as s:
        third_row = q.get_ticket(s, ids[2])
        assert third_row is not None and q.tickets_ahead(s, third_row) == 1  # claimed tickets are not ahead
        live = q.live_ticket_for(s, "demo_overdue")
        assert live is not None and live.id == ids[1]
        assert q.live_ticket_for(s, "demo_bound") is None
        assert [t.id for t in q.list_tickets(s)] == list(ids)


def test_message_left_ticket_keeps_the_number_but_the_audit_masks_it(factory) -> None:
    with session_scope(factory) as s:
        ticket = q.open_ticket(
            s,
            conversation_id="demo_frozen",
            customer_id="demo_frozen",
            kind=TicketKind.MESSAGE,
            reason="frozen_by_platform",
            summary={},
            channel="rest",
            message="借呗为什么被冻结",
            callback_phone="13812345678",
        )
        ticket_id = ticket.id
    with session_scope(factory) as s:
        stored = q.get_ticket(s, ticket_id)
        assert stored is not None and (stored.kind, stored.status) == ("message", "message_left")
        assert stored.callback_phone == "13812345678"
        (created,) = audits(s, ticket_id)
        assert created.after["callback_phone"] == "138****5678"
        assert "13812345678" not in repr(created.after)
        assert q.live_ticket_for(s, "demo_frozen") is None  # not a live chat
    with pytest.raises(InvalidTicketTransition):
        with session_scope(factory) as s:
            q.transition_ticket(s, ticket_id=ticket_id, action="hand_back", agent="xiaowang", channel="agent_console")


def test_reseeding_removes_demo_tickets_with_their_notes(factory) -> None:
    from bot.db.seed import reseed_demo
    from tests.conftest import TODAY

    with session_scope(factory) as s:
        ticket_id = open_live(s).id
        q.add_ticket_note(s, ticket_id=ticket_id, agent="xiaowang", text="备注", channel="agent_console")
    with session_scope(factory) as s:
        reseed_demo(s, today=TODAY)
    with session_scope(factory) as s:
        assert q.get_ticket(s, ticket_id) is None
        assert s.execute(select(m.TicketNote)).scalars().all() == []
