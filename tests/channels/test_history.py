from channels.history import transcript


def test_transcript_shows_users_bot_and_agents_in_order() -> None:
    events = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "user", "text": "借呗能注销吗", "timestamp": 2.0, "metadata": {"verified_customer_id": "demo_balance"}},
        {"event": "bot", "text": "借呗现在还不能注销。\n\n还有账单没还。", "timestamp": 3.0,
         "data": {"buttons": [{"title": "花呗", "payload": "/choose{\"product\":\"huabei\"}"}]}, "metadata": {}},
        {"event": "user", "text": "/choose{\"product\":\"huabei\"}", "timestamp": 4.0, "metadata": {"display_text": "花呗"}},
        {"event": "user", "text": "/restart", "timestamp": 4.5, "metadata": {}},
        {"event": "bot", "text": "您好，我是人工客服小王", "timestamp": 5.0, "metadata": {"sender": "agent", "agent_name": "小王"}},
        {"event": "bot", "text": None, "timestamp": 6.0, "data": {"custom": {"type": "list", "items": ["a"]}}},
    ]
    assert transcript(events) == [
        {"sender": "user", "text": "借呗能注销吗", "timestamp": 2.0},
        {"sender": "bot", "text": "借呗现在还不能注销。", "timestamp": 3.0},
        {"sender": "bot", "text": "还有账单没还。", "timestamp": 3.0,
         "buttons": [{"title": "花呗", "payload": "/choose{\"product\":\"huabei\"}"}]},
        {"sender": "user", "text": "花呗", "timestamp": 4.0},
        {"sender": "agent", "agent_name": "小王", "text": "您好，我是人工客服小王", "timestamp": 5.0},
        {"sender": "bot", "text": "", "timestamp": 6.0, "custom": {"type": "list", "items": ["a"]}},
    ]


def test_transcript_keeps_the_latest_messages() -> None:
    events = [{"event": "user", "text": f"m{i}", "timestamp": float(i)} for i in range(300)]
    assert [m["text"] for m in transcript(events, limit=3)] == ["m297", "m298", "m299"]
