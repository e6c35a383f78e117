"""The chat widget in real headless Chromium, against both servers (development mode).

The demo page mints a development token for the chosen demo customer and
embeds the widget with one script tag and a config object.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
TIMEOUT = 60_000  # ms: the first answer loads the model's pipelines under load


def open_demo(page: Page, base: str, customer: str) -> None:
    page.goto(f"{base}/webhooks/socketio/demo?customer={customer}")
    expect(page.locator(".cc-panel")).to_be_visible()
    expect(page.locator(".cc-send")).to_be_enabled(timeout=TIMEOUT)  # connected


def restart(base: str, customer: str) -> None:
    token = requests.get(f"{base}/webhooks/socketio/dev/token", params={"customer": customer}, timeout=30).json()[
        "token"
    ]
    requests.post(
        f"{base}/webhooks/rest/webhook",
        json={"message": "/restart"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ).raise_for_status()


def say(page: Page, text: str) -> None:
    box = page.get_by_label("输入消息")
    box.fill(text)
    box.press("Enter")


def test_chat_click_a_button_and_reload_keeps_the_history(phone: Page, widget_server: str, db: Any) -> None:
    restart(widget_server, "demo_balance")
    open_demo(phone, widget_server, "demo_balance")
    log = phone.get_by_role("log")
    say(phone, "不想用了，帮我关了吧")  # training-style wording: typing is the subject here, not NLU
    button = phone.get_by_role("group", name="快捷回复").last.get_by_role("button", name="借呗")
    expect(button).to_be_visible(timeout=TIMEOUT)
    button.click()
    expect(log).to_contain_text("¥3,256.80", timeout=TIMEOUT)
    expect(phone.locator(".cc-user .cc-bubble").last).to_have_text("借呗")  # the title, not the payload
    expect(phone.locator(".cc-typing")).to_be_hidden(timeout=TIMEOUT)
    expect(phone.locator(".cc-list li").first).to_be_visible()  # blockers render as a list
    expect(phone.locator(".cc-msg .cc-time").first).to_have_text(re.compile(r"^\d\d:\d\d$"))
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the widget must not overflow a 360 px phone screen"
    screenshot(phone, "phone-chat")

    phone.reload()
    expect(phone.locator(".cc-send")).to_be_enabled(timeout=TIMEOUT)
    expect(log).to_contain_text("不想用了，帮我关了吧", timeout=TIMEOUT)
    expect(log).to_contain_text("¥3,256.80")
    expect(phone.locator(".cc-user .cc-bubble").last).to_have_text("借呗")
    # the product question was answered: its buttons cannot send a second answer
    expect(phone.get_by_role("group", name="快捷回复").first.get_by_role("button", name="借呗")).to_be_disabled()
    screenshot(phone, "phone-after-reload")


def test_ime_composition_is_not_sent_until_it_ends(desktop: Page, widget_server: str, db: Any) -> None:
    restart(widget_server, "demo_clean")
    open_demo(desktop, widget_server, "demo_clean")
    box = desktop.get_by_label("输入消息")
    box.fill("huabei")
    box.dispatch_event("compositionstart")
    # the Enter that commits the IME candidate arrives while composing
    box.evaluate(
        "el => el.dispatchEvent(new KeyboardEvent('keydown',"
        " {key: 'Enter', isComposing: true, bubbles: true, cancelable: true}))"
    )
    box.fill("花呗怎么关闭")
    box.dispatch_event("compositionend")
    expect(desktop.locator(".cc-user")).to_have_count(0)
    assert box.input_value() == "花呗怎么关闭"
    box.press("Enter")
    expect(desktop.locator(".cc-user .cc-bubble")).to_have_text(["花呗怎么关闭"])
    expect(desktop.get_by_role("log")).to_contain_text("符合关闭条件", timeout=TIMEOUT)
    screenshot(desktop, "desktop-chat")


def test_agent_messages_are_labelled(desktop: Page, widget_server: str, db: Any) -> None:
    restart(widget_server, "demo_overdue")
    events = [
        {
            "event": "bot",
            "text": "您好，我是人工客服小王，我来帮你看看。",
            "metadata": {"sender": "agent", "agent_name": "小王"},
        }
    ]
    requests.post(
        f"{widget_server}/conversations/demo_overdue/tracker/events", json=events, timeout=30
    ).raise_for_status()
    open_demo(desktop, widget_server, "demo_overdue")
    agent = desktop.locator(".cc-agent")
    expect(agent.locator(".cc-label")).to_have_text("人工客服 小王", timeout=TIMEOUT)
    expect(agent.locator(".cc-bubble")).to_contain_text("我来帮你看看")
    screenshot(desktop, "desktop-agent")


def test_offline_notice_and_recovery(phone: Page, widget_server: str, db: Any) -> None:
    restart(widget_server, "demo_clean")
    open_demo(phone, widget_server, "demo_clean")
    say(phone, "不想用了，帮我关了吧")
    quick = phone.get_by_role("group", name="快捷回复").last.get_by_role("button").first
    expect(quick).to_be_enabled(timeout=TIMEOUT)
    offline = phone.get_by_role("status").filter(has_text="网络已断开")
    phone.context.set_offline(True)
    expect(offline).to_be_visible(timeout=TIMEOUT)
    expect(phone.locator(".cc-send")).to_be_disabled()
    expect(quick).to_be_disabled()  # a click could not be sent: it must not look as if it could
    screenshot(phone, "phone-offline")
    phone.context.set_offline(False)
    expect(offline).to_be_hidden(timeout=TIMEOUT)
    expect(quick).to_be_enabled(timeout=TIMEOUT)  # still unanswered: usable again
    say(phone, "你好")
    expect(phone.locator(".cc-bot").last).to_be_visible(timeout=TIMEOUT)


def test_keyboard_only(desktop: Page, widget_server: str, db: Any) -> None:
    restart(widget_server, "demo_balance")
    open_demo(desktop, widget_server, "demo_balance")
    desktop.get_by_label("输入消息").focus()
    desktop.keyboard.type("不想用了，帮我关了吧")
    desktop.keyboard.press("Enter")
    first = desktop.get_by_role("group", name="快捷回复").last.get_by_role("button").first
    # enabled, not just visible: the history the widget loads on connect redraws the log
    expect(first).to_be_enabled(timeout=TIMEOUT)
    first.focus()
    desktop.keyboard.press("Enter")
    expect(desktop.locator(".cc-user")).to_have_count(2, timeout=TIMEOUT)
    desktop.keyboard.press("Escape")  # closes the floating panel
    expect(desktop.get_by_role("button", name="打开在线客服")).to_be_focused()


# Records, in order, when the widget asks for its transcript and when sending opens.
ORDER_PROBE = """
window.ccOrder = [];
const fetched = window.fetch;
window.fetch = function (url) {
  if (String(url).includes("/webhooks/socketio/history")) window.ccOrder.push("history");
  return fetched.apply(this, arguments);
};
new MutationObserver(function (changes) {
  changes.forEach(function (c) {
    if (c.target.classList && c.target.classList.contains("cc-send") && !c.target.disabled) window.ccOrder.push("send");
  });
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["disabled"] });
"""


def test_sending_opens_only_once_the_transcript_is_asked_for(desktop: Page, widget_server: str, db: Any) -> None:
    """A message sent before the transcript request would be wiped by the redraw."""
    restart(widget_server, "demo_balance")
    desktop.add_init_script(ORDER_PROBE)
    open_demo(desktop, widget_server, "demo_balance")
    order = desktop.evaluate("window.ccOrder")
    assert order and order[0] == "history", order


def test_a_late_history_keeps_what_was_said_meanwhile_and_the_focus(desktop: Page, widget_server: str, db: Any) -> None:
    """The transcript the widget loads on connecting can come back after the first answer."""
    restart(widget_server, "demo_balance")
    held: list[Route] = []
    desktop.route("**/webhooks/socketio/history*", lambda route: held.append(route))
    open_demo(desktop, widget_server, "demo_balance")
    say(desktop, "不想用了，帮我关了吧")
    first = desktop.get_by_role("group", name="快捷回复").last.get_by_role("button").first
    expect(first).to_be_enabled(timeout=TIMEOUT)
    first.focus()
    shown = first.element_handle()
    for _ in range(300):
        if held:
            break
        desktop.wait_for_timeout(100)
    assert held, "the widget asks for its transcript on connecting"
    # answered from before the user's message: the message and the answer must stay
    held[-1].fulfill(json={"messages": [], "handoff": None})
    desktop.wait_for_function("button => !button.isConnected", arg=shown, timeout=TIMEOUT)  # redrawn
    expect(desktop.locator(".cc-user")).to_have_count(1)
    expect(first).to_be_focused()
    desktop.keyboard.press("Enter")
    expect(desktop.locator(".cc-user")).to_have_count(2, timeout=TIMEOUT)
