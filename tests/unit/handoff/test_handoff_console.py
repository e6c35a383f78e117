"""bot.handoff.console: what each agent action changes and what must follow (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.db import models as m
from bot.db import queries
from bot.db.session import session_scope
from bot.handoff import console as hc
from bot.handoff.queue import WaitingCustomer
from bot.handoff.tickets import InvalidTicketTransition, TicketKind

CHANNEL = "agent_console"


def open_ticket(factory: sessionmaker, conversation: str, kind: TicketKind = TicketKind.LIVE) -> int:
    with session_scope(factory) as s:
        ticket = queries.open_ticket(
            s,
            conversation_id=conversation,
            customer_id=conversation,
            kind=kind,
            reason="requested",
            summary={"customer": {"name": "李娜"}},
            channel="rest",
            message="请回电" if kind is TicketKind.MESSAGE else None,
            callback_phone="13812345678" if kind is TicketKind.MESSAGE else None,
        )
        return int(ticket.id)


def act(
    factory: sessionmaker, use_case: Callable[..., hc.ConsoleOutcome], ticket_id: int, **kw: Any
) -> hc.ConsoleOutcome:
    with session_scope(factory) as s:
        return use_case(s, ticket_id=ticket_id, channel=CHANNEL, **{"agent": "xiaowang", **kw})


def events(outcome: hc.ConsoleOutcome) -> list[tuple[str, str | None, str]]:
    return [(e["event"], e["agent"], e["ticket"]["status"]) for e in outcome.events]


def test_claiming_moves_everyone_behind_up(factory: sessionmaker) -> None:
    first, second, third = (open_ticket(factory, c) for c in ("demo_balance", "demo_clean", "demo_overdue"))
    outcome = act(factory, hc.claim, second)
    assert (outcome.ticket.status, outcome.ticket.claimed_by, outcome.bot) == ("claimed", "xiaowang", hc.BotChange.NONE)
    assert events(outcome) == [("ticket_claimed", "xiaowang", "claimed")]
    assert outcome.waiting == (WaitingCustomer(first, "demo_balance", 1), WaitingCustomer(third, "demo_overdue", 2))


def test_replies_need_the_claim_and_are_audited_without_the_text(factory: sessionmaker) -> None:
    ticket_id = open_ticket(factory, "demo_balance")
    with pytest.raises(InvalidTicketTransition):
        act(factory, hc.reply, ticket_id, text="您好")
    act(factory, hc.claim, ticket_id)
    with pytest.raises(InvalidTicketTransition):
        act(factory, hc.reply, ticket_id, agent="xiaoli", text="我是小李")
    outcome = act(factory, hc.reply, ticket_id, text="您好")
    assert outcome.ticket.conversation_id == "demo_balance" and outcome.bot is hc.BotChange.NONE
    assert events(outcome) == [("agent_replied", "xiaowang", "claimed")]
    assert outcome.events[0]["data"] == {"chars": 2} and outcome.waiting == ()


def test_notes_are_kept_on_the_ticket_and_never_published_as_text(factory: sessionmaker) -> None:
    ticket_id = open_ticket(factory, "demo_balance")
    outcome = act(factory, hc.add_note, ticket_id, text="客户想先还清再注销")
    assert events(outcome) == [("note_added", "xiaowang", "queued")]
    assert "还清" not in repr(outcome.events)
    with session_scope(factory) as s:
        detail = hc.ticket_detail(s, ticket_id, agent="xiaowang", channel="agent_console")
    assert detail is not None and [(n.author, n.text) for n in detail.notes] == [("xiaowang", "客户想先还清再注销")]


def test_hand_back_resumes_the_bot_with_a_message(factory: sessionmaker) -> None:
    ticket_id = open_ticket(factory, "demo_balance")
    act(factory, hc.claim, ticket_id)
    with pytest.raises(InvalidTicketTransition):
        act(factory, hc.hand_back, ticket_id, agent="xiaoli")
    outcome = act(factory, hc.hand_back, ticket_id)
    assert outcome.bot is hc.BotChange.HAND_BACK and outcome.ticket.status == "handed_back"
    assert events(outcome) == [("handed_back", "xiaowang", "handed_back")] and outcome.waiting == ()
    with pytest.raises(InvalidTicketTransition):
        act(factory, hc.add_note, ticket_id, text="晚了")


def test_closing_a_live_ticket_resumes_quietly_and_updates_the_queue(factory: sessionmaker) -> None:
    first, second = open_ticket(factory, "demo_balance"), open_ticket(factory, "demo_clean")
    outcome = act(factory, hc.close, first)
    assert outcome.bot is hc.BotChange.RESUME_SILENTLY and outcome.ticket.status == "closed"
    assert events(outcome) == [("ticket_closed", "xiaowang", "closed")]
    assert outcome.waiting == (WaitingCustomer(second, "demo_clean", 1),)


def test_a_message_left_ticket_is_closed_without_touching_the_bot(factory: sessionmaker) -> None:
    ticket_id = open_ticket(factory, "demo_frozen", TicketKind.MESSAGE)
    with session_scope(factory) as s:
        detail = hc.ticket_detail(s, ticket_id, agent="xiaowang", channel="agent_console")
    assert detail is not None and detail.ticket.position is None
    assert (detail.message, detail.callback_phone, detail.callback_phone_masked) == (
        "请回电",
        "13812345678",
        "138****5678",
    )
    outcome = act(factory, hc.close, ticket_id)
    assert outcome.bot is hc.BotChange.NONE and events(outcome) == [("ticket_closed", "xiaowang", "closed")]


def test_the_queue_lists_places_for_waiting_tickets_only(factory: sessionmaker) -> None:
    message = open_ticket(factory, "demo_frozen", TicketKind.MESSAGE)
    first, second, third = (open_ticket(factory, c) for c in ("demo_balance", "demo_clean", "demo_overdue"))
    act(factory, hc.claim, first)
    act(factory, hc.claim, third)
    act(factory, hc.close, third)
    with session_scope(factory) as s:
        listed = hc.queue_view(s, include_finished=10)
    assert [(t.id, t.status, t.position) for t in listed] == [
        (message, "message_left", None),
        (first, "claimed", None),
        (second, "queued", 1),
        (third, "closed", None),
    ]
    assert listed[1].customer_name == "李娜" and listed[1].claimed_by == "xiaowang"
    with session_scope(factory) as s:
        assert [t.id for t in hc.queue_view(s, include_finished=0)] == [message, first, second]


def test_unknown_tickets_and_refusals_change_nothing(factory: sessionmaker) -> None:
    cases: list[tuple[Callable[..., hc.ConsoleOutcome], dict[str, Any]]] = [
        (hc.claim, {}),
        (hc.reply, {"text": "x"}),
        (hc.add_note, {"text": "x"}),
        (hc.close, {}),
    ]
    for use_case, kw in cases:
        with pytest.raises(LookupError):
            act(factory, use_case, 999_999, **kw)
    ticket_id = open_ticket(factory, "demo_balance")
    with session_scope(factory) as s:
        before = s.execute(select(m.AuditEntry.id)).scalars().all()
    with pytest.raises(InvalidTicketTransition):
        act(factory, hc.hand_back, ticket_id)  # never claimed
    with session_scope(factory) as s:
        assert s.execute(select(m.AuditEntry.id)).scalars().all() == before
        assert hc.ticket_detail(s, 999_999, agent="xiaowang", channel="agent_console") is None


def test_opening_a_ticket_is_audited_with_the_agent(factory: sessionmaker) -> None:
    ticket_id = open_ticket(factory, "demo_frozen", TicketKind.MESSAGE)
    for _ in range(3):  # the console polls the open ticket: one read, one row
        with session_scope(factory) as s:
            detail = hc.ticket_detail(s, ticket_id, agent="xiaoli", channel=CHANNEL)
            assert detail is not None and detail.closed_at is None and detail.opened_at > 0
    act(factory, hc.close, ticket_id)
    with session_scope(factory) as s:
        detail = hc.ticket_detail(s, ticket_id, agent="xiaowang", channel=CHANNEL)
        assert detail is not None and detail.closed_at is not None and detail.closed_at >= detail.opened_at
        reads = s.execute(select(m.AuditEntry).where(m.AuditEntry.action == "ticket_viewed")).scalars().all()
    assert [(r.actor, r.entity_id, r.channel, r.after["status"]) for r in reads] == [
        ("agent:xiaoli", str(ticket_id), CHANNEL, "message_left"),
        ("agent:xiaowang", str(ticket_id), CHANNEL, "closed"),
    ]


def _event(kind: str, at: float, text: str | None = None) -> dict[str, Any]:
    return {"event": kind, "timestamp": at, **({"text": text} if text else {})}


CONVERSATION = [
    _event("session_started", 1.0),
    _event("user", 2.0, "上次的会话：我的卡号是多少"),
    _event("session_started", 10.0),
    _event("user", 11.0, "借呗能注销吗"),
    _event("user", 12.0, "转人工"),  # ticket opened at 12.5
    _event("bot", 13.0, "您好，我是人工客服"),
    _event("resume", 15.5),  # ticket closed at 15: the bot resumes and says so
    _event("bot", 15.6, "接下来由我继续为你服务"),
    _event("user", 20.0, "谢谢"),
    _event("bot", 21.0, "不客气"),
    _event("restart", 30.0),
    _event("user", 31.0, "新的会话"),
]


def _texts(events: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for e in events if e.get("text")]


def test_a_ticket_shows_only_its_own_session_up_to_its_closing() -> None:
    assert _texts(hc.ticket_session(CONVERSATION, opened_at=12.5, closed_at=None)) == [
        "借呗能注销吗",
        "转人工",
        "您好，我是人工客服",
        "接下来由我继续为你服务",
        "谢谢",
        "不客气",
    ]
    assert _texts(hc.ticket_session(CONVERSATION, opened_at=12.5, closed_at=15.0)) == [
        "借呗能注销吗",
        "转人工",
        "您好，我是人工客服",
        "接下来由我继续为你服务",
    ]
    # an old, closed ticket from the first session does not show the later ones
    assert _texts(hc.ticket_session(CONVERSATION, opened_at=2.5, closed_at=3.0)) == ["上次的会话：我的卡号是多少"]
    # a ticket opened after the restart shows the new session only
    assert _texts(hc.ticket_session(CONVERSATION, opened_at=31.5, closed_at=None)) == ["新的会话"]
    assert hc.ticket_session([], opened_at=1.0, closed_at=None) == []
