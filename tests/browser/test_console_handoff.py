"""An agent takes over in the console (real Chromium) while the customer chats over REST.

The customer's side goes through the REST channel until the chat widget is
merged; what the customer would see is checked in the conversation's tracker.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import AGENTS, tracker_events

pytestmark = pytest.mark.e2e


def test_agent_claims_replies_notes_and_hands_back(page, shot, chat, running) -> None:  # type: ignore[no-untyped-def]
    user = chat("demo_balance")
    assert "¥3,256.80" in user.say("借呗能注销吗")
    assert "转接人工客服" in user.say("转人工")

    page.goto(f"{running.rasa_url}/console/")
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#login-name", "xiaowang")
    page.fill("#login-password", "不对的密码")
    page.click("#login-btn")
    expect(page.locator("#login-error")).to_have_text("账号或密码不对。")
    shot(page, "wrong-password")

    page.fill("#login-password", AGENTS["xiaowang"][1])
    page.click("#login-btn")
    expect(page.locator("#me")).to_have_text("小王（xiaowang）")
    item = page.locator(".ticket-item", has_text="李娜")
    expect(item).to_contain_text("排队中 · 第 1 位 · 用户要求转人工")
    item.click()
    expect(page.locator("#summary")).to_contain_text("李娜（demo_balance） · 138****2222")
    expect(page.locator("#summary")).to_contain_text("待还 ¥3,256.80")
    expect(page.locator("#transcript")).to_contain_text("借呗能注销吗")
    expect(page.locator("#ticket-paused")).to_have_text("机器人已暂停")
    expect(page.locator("#reply-btn")).to_be_disabled()
    shot(page, "ticket-queued")

    page.click("#claim-btn")
    expect(page.locator("#ticket-status")).to_have_text("处理中")
    # The customer writes while waiting; the console shows it (polling).
    assert user.send("我想先还清再注销") == []
    expect(page.locator("#transcript")).to_contain_text("我想先还清再注销")

    page.fill("#reply-text", "您好，我是人工客服小王。借呗可以先提前还清，再来注销。")
    page.click("#reply-btn")
    expect(page.locator("#transcript li.agent")).to_contain_text("借呗可以先提前还清")
    page.fill("#note-text", "客户打算先还清借呗")
    page.click("#note-btn")
    expect(page.locator("#notes")).to_contain_text("xiaowang：客户打算先还清借呗")
    shot(page, "agent-replied")

    events = tracker_events(running, "demo_balance")
    agent_msgs = [e for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("sender") == "agent"]
    assert [m["metadata"]["agent_name"] for m in agent_msgs] == ["小王"]
    assert not any("客户打算" in str(e.get("text")) for e in events)

    page.click("#handback-btn")
    expect(page.locator("#ticket-status")).to_have_text("已交还机器人")
    expect(page.locator("#transcript")).to_contain_text("接下来由我继续为你服务")
    expect(page.locator("#ticket-paused")).to_have_text("机器人在应答")
    assert "借呗现在还不能注销" in user.say("借呗能注销吗")
    expect(page.locator("#transcript")).to_contain_text(re.compile("借呗现在还不能注销"))
    shot(page, "handed-back")
