import json
from datetime import datetime, timezone

import pytest

from bot.handoff.events import AmqpPublisher, event_message, routing_key
from tests.conftest import run_async


def test_message_format() -> None:
    msg = event_message(
        "ticket_created",
        ticket_id=7,
        conversation_id="demo_balance",
        customer_id="demo_balance",
        kind="message",
        status="message_left",
        reason="complaint",
        callback_phone="13812345678",
        at=datetime(2026, 11, 23, 1, 2, 3, tzinfo=timezone.utc),
    )
    assert msg["schema_version"] == 1 and len(msg["event_id"]) == 32
    assert msg["event"] == "ticket_created" and msg["occurred_at"] == "2026-11-23T01:02:03+00:00"
    assert msg["ticket"] == {
        "id": 7,
        "kind": "message",
        "status": "message_left",
        "reason": "complaint",
        "conversation_id": "demo_balance",
        "customer_id": "demo_balance",
        "callback_phone_masked": "138****5678",
    }
    assert "13812345678" not in json.dumps(msg)
    assert routing_key("ticket_created") == "handoff.ticket_created"


def test_unknown_events_are_refused() -> None:
    with pytest.raises(ValueError):
        event_message(
            "ticket_deleted",
            ticket_id=1,
            conversation_id="c",
            customer_id=None,
            kind="live",
            status="closed",
            reason="requested",
        )


def test_an_unreachable_broker_does_not_raise() -> None:
    publisher = AmqpPublisher("amqp://guest:guest@127.0.0.1:1/", "x")
    msg = event_message(
        "ticket_closed",
        ticket_id=1,
        conversation_id="c",
        customer_id=None,
        kind="live",
        status="closed",
        reason="requested",
    )
    assert run_async(publisher.publish_many([msg, msg])) == 0


def test_the_backlog_report_says_how_long_the_oldest_waited_and_when_that_is_late() -> None:
    from datetime import datetime, timedelta, timezone

    from bot.handoff.outbox import LATE_AFTER, backlog_report

    now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
    assert backlog_report(0, None, now) == ("no handoff events waiting", False)
    assert backlog_report(2, now - timedelta(seconds=40), now) == (
        "2 handoff events waiting, the oldest for 40 s",
        False,
    )
    line, late = backlog_report(3, now - LATE_AFTER - timedelta(seconds=1), now)
    assert late and line.startswith("3 handoff events waiting, the oldest for 76 s (RabbitMQ out of reach")
