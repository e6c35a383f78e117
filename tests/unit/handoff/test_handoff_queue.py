"""bot.handoff.queue: queueing a conversation, leaving a message, places in the queue (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from bot.db import queries
from bot.db.session import session_scope
from bot.handoff import queue as hq
from bot.handoff.summary import Turn
from bot.handoff.tickets import HandoffReason, QueueEstimate
from tests.conftest import TODAY

TURNS = [
    Turn("user", "借呗能注销吗", "close_account"),
    Turn("bot", "借呗现在还不能注销"),
    Turn("user", "转人工", "request_human"),
]


def queue(factory: sessionmaker, conversation: str, customer: str | None = None) -> hq.Queued:
    with session_scope(factory) as s:
        return hq.queue_conversation(
            s,
            conversation_id=conversation,
            customer_id=customer if customer is not None else conversation,
            reason=HandoffReason.REQUESTED,
            turns=TURNS,
            channel="rest",
            today=TODAY,
            average_handling_minutes=5,
            agents_on_duty=1,
        )


def claim(factory: sessionmaker, ticket_id: int) -> None:
    with session_scope(factory) as s:
        queries.transition_ticket(s, ticket_id=ticket_id, action="claim", agent="xiaowang", channel="agent_console")


def waiting(factory: sessionmaker) -> list[tuple[str, int]]:
    with session_scope(factory) as s:
        return [(w.conversation_id, w.position) for w in hq.waiting_customers(s)]


def test_queueing_opens_a_ticket_with_a_summary_and_one_event(factory: sessionmaker) -> None:
    queued = queue(factory, "demo_balance")
    assert queued.created and queued.estimate == QueueEstimate(position=1, wait_minutes=5)
    (event,) = queued.events
    assert event["event"] == "ticket_created" and event["agent"] is None
    assert event["ticket"] == {**event["ticket"], "id": queued.ticket_id, "status": "queued", "kind": "live"}
    with session_scope(factory) as s:
        ticket = queries.get_ticket(s, queued.ticket_id)
        assert ticket is not None and ticket.customer_id == "demo_balance"
        assert ticket.summary["customer"]["phone_masked"] == "138****2222"
        assert ticket.summary["intents"] == ["close_account", "request_human"]


def test_asking_again_keeps_the_ticket_and_its_place(factory: sessionmaker) -> None:
    first = queue(factory, "demo_balance")
    queue(factory, "demo_clean")
    again = queue(factory, "demo_balance")
    assert (again.created, again.ticket_id, again.estimate.position) == (False, first.ticket_id, 1)
    assert again.events == ()  # the ticket was announced when it was opened
    assert waiting(factory) == [("demo_balance", 1), ("demo_clean", 2)]


def test_later_customers_wait_behind_and_move_up_when_one_is_claimed(factory: sessionmaker) -> None:
    first = queue(factory, "demo_balance")
    second = queue(factory, "demo_clean")
    third = queue(factory, "web-visitor-1", customer="")  # identity unknown
    assert [q.estimate for q in (first, second, third)] == [
        QueueEstimate(1, 5),
        QueueEstimate(2, 10),
        QueueEstimate(3, 15),
    ]
    claim(factory, first.ticket_id)
    assert waiting(factory) == [("demo_clean", 1), ("web-visitor-1", 2)]
    with session_scope(factory) as s:
        assert hq.place_in_queue(s, "web-visitor-1", average_handling_minutes=5, agents_on_duty=2) == QueueEstimate(
            2, 5
        )
        assert hq.place_in_queue(s, "demo_bound", average_handling_minutes=5, agents_on_duty=1) is None
        unknown = queries.get_ticket(s, third.ticket_id)
        assert unknown is not None and unknown.customer_id is None and unknown.summary["customer"] is None


def test_a_left_message_is_not_in_the_queue_and_its_event_masks_the_number(factory: sessionmaker) -> None:
    with session_scope(factory) as s:
        left = hq.leave_message(
            s,
            conversation_id="demo_frozen",
            customer_id="demo_frozen",
            reason=HandoffReason.FROZEN_BY_PLATFORM,
            turns=TURNS,
            channel="rest",
            today=TODAY,
            message="借呗为什么冻结了，卡号6222021234567890，打13812345678",
            callback_phone="13812345678",
        )
    assert left.phone_masked == "138****5678"
    with session_scope(factory) as s:
        ticket = queries.get_ticket(s, left.ticket_id)
        assert ticket is not None
        assert ticket.message == "借呗为什么冻结了，卡号[卡号尾号7890]，打138****5678"
        assert ticket.callback_phone == "13812345678"  # in full, for the agent who calls back
    (event,) = left.events
    assert event["ticket"]["status"] == "message_left" and event["ticket"]["callback_phone_masked"] == "138****5678"
    assert "13812345678" not in repr(event)
    assert waiting(factory) == []
    assert queue(factory, "demo_balance").estimate.position == 1


def test_the_reason_reads_the_text_the_streak_and_frozen_lines(factory: sessionmaker) -> None:
    with session_scope(factory) as s:

        def reason(customer: str | None, text: str, streak: int = 0) -> HandoffReason:
            return hq.handoff_reason(s, customer_id=customer, text=text, fallback_streak=streak)

        assert reason("demo_balance", "转人工") is HandoffReason.REQUESTED
        assert reason("demo_balance", "我要投訴") is HandoffReason.COMPLAINT  # normalised: 繁 → 简
        assert reason("demo_clean", "阿巴阿巴", streak=2) is HandoffReason.REPEATED_FALLBACK
        assert reason("demo_frozen", "人工客服") is HandoffReason.FROZEN_BY_PLATFORM
        assert reason(None, "人工客服") is HandoffReason.REQUESTED
