from typing import Any

import pytest

from channels.history import handoff_state, transcript


def test_transcript_shows_users_bot_and_agents_in_order() -> None:
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {
            "event": "user",
            "text": "借呗能注销吗",
            "timestamp": 2.0,
            "metadata": {"verified_customer_id": "demo_balance"},
        },
        {
            "event": "bot",
            "text": "借呗现在还不能注销。\n\n还有账单没还。",
            "timestamp": 3.0,
            "data": {"buttons": [{"title": "花呗", "payload": '/choose{"product":"huabei"}'}]},
            "metadata": {},
        },
        {
            "event": "user",
            "text": '/choose{"product":"huabei"}',
            "timestamp": 4.0,
            "metadata": {"display_text": "花呗"},
        },
        {"event": "user", "text": "/restart", "timestamp": 4.5, "metadata": {}},
        {
            "event": "bot",
            "text": "您好，我是人工客服小王",
            "timestamp": 5.0,
            "metadata": {"sender": "agent", "agent_name": "小王"},
        },
        {"event": "bot", "text": None, "timestamp": 6.0, "data": {"custom": {"type": "list", "items": ["a"]}}},
    ]
    assert transcript(events) == [
        {"sender": "user", "text": "借呗能注销吗", "timestamp": 2.0},
        {"sender": "bot", "text": "借呗现在还不能注销。", "timestamp": 3.0},
        {
            "sender": "bot",
            "text": "还有账单没还。",
            "timestamp": 3.0,
            "buttons": [{"title": "花呗", "payload": '/choose{"product":"huabei"}'}],
        },
        {"sender": "user", "text": "花呗", "timestamp": 4.0},
        {"sender": "agent", "agent_name": "小王", "text": "您好，我是人工客服小王", "timestamp": 5.0},
        {"sender": "bot", "text": "", "timestamp": 6.0, "custom": {"type": "list", "items": ["a"]}},
    ]


def test_transcript_keeps_the_latest_messages() -> None:
    events = [{"event": "user", "text": f"m{i}", "timestamp": float(i)} for i in range(300)]
    assert [m["text"] for m in transcript(events, limit=3)] == ["m297", "m298", "m299"]


HANDED_OVER: list[dict[str, Any]] = [
    {"event": "user", "text": "转人工", "timestamp": 1.0},
    {"event": "bot", "text": "好的，正在为你转接人工客服。", "timestamp": 2.0, "metadata": {}},
    {
        "event": "bot",
        "text": None,
        "timestamp": 2.1,
        "data": {"custom": {"handoff": {"ticket_id": 7, "position": 3, "wait_minutes": 15}}},
    },
    {"event": "pause", "timestamp": 2.2},
    {"event": "action", "name": "action_listen", "timestamp": 2.3},
]
AGENT_WROTE: dict[str, Any] = {
    "event": "bot",
    "text": "您好，我是小王",
    "timestamp": 3.0,
    "metadata": {"sender": "agent", "agent_name": "小王"},
}


def test_a_paused_conversation_waits_with_the_announced_place() -> None:
    assert handoff_state(HANDED_OVER + [{"event": "user", "text": "还要多久", "timestamp": 2.5}]) == {
        "state": "waiting",
        "position": 3,
        "wait_minutes": 15,
    }


def test_the_first_agent_message_means_an_agent_has_joined() -> None:
    assert handoff_state([*HANDED_OVER, AGENT_WROTE]) == {"state": "agent", "agent_name": "小王"}


@pytest.mark.parametrize("end", ["resume", "restart", "session_started"])
def test_no_handoff_once_the_bot_is_back(end: str) -> None:
    assert handoff_state([*HANDED_OVER, AGENT_WROTE, {"event": end, "timestamp": 4.0}]) is None


def test_no_handoff_without_a_pause_or_without_a_payload() -> None:
    assert handoff_state(HANDED_OVER[:3]) is None  # the payload, but the bot was never paused
    assert handoff_state([HANDED_OVER[0], {"event": "pause", "timestamp": 2.0}]) is None
    assert handoff_state([]) is None


def test_the_transcript_keeps_the_handoff_payload_for_the_widget() -> None:
    assert transcript(HANDED_OVER)[-1] == {
        "sender": "bot",
        "text": "",
        "timestamp": 2.1,
        "custom": {"handoff": {"ticket_id": 7, "position": 3, "wait_minutes": 15}},
    }
