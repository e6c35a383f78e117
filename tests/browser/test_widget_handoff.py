"""The widget's handoff state and file attachments in real headless Chromium.

While the bot has handed over, a status line (an aria-live region) says where the
customer stands: in the queue, then which agent joined; it goes away when the
agent hands back or closes the ticket, survives a page reload, and no typing
indicator suggests that the paused bot is about to answer. The agent works
through the console's JSON API here (tests/browser/test_console_handoff.py
drives the console page itself). Screenshots go to results/browser/.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_widget import TIMEOUT, open_demo, restart, say
from tests.e2e.conftest import Console

pytestmark = pytest.mark.browser

# Records whether the typing indicator is ever shown from now on (it may flash for milliseconds).
WATCH_TYPING = """() => {
  const typing = document.querySelector('.cc-typing');
  window.__typingShown = false;
  new MutationObserver(() => { if (!typing.hidden) window.__typingShown = true; })
    .observe(typing, {attributes: true, attributeFilter: ['hidden']});
}"""


def token_for(base: str, customer: str) -> str:
    resp = requests.get(f"{base}/webhooks/socketio/dev/token", params={"customer": customer}, timeout=30)
    return str(resp.json()["token"])


def rest_say(base: str, customer: str, text: str) -> list[dict[str, Any]]:
    resp = requests.post(
        f"{base}/webhooks/rest/webhook",
        json={"message": text},
        headers={"Authorization": f"Bearer {token_for(base, customer)}"},
        timeout=60,
    )
    resp.raise_for_status()
    replies: list[dict[str, Any]] = resp.json()
    return replies


def agent(base: str, login: str = "xiaowang") -> Console:
    console = Console(base)
    assert console.login(login).status_code == 200
    return console


def status_line(page: Page) -> Any:
    return page.locator(".cc-handoff[role='status']")


def transcript_has(console: Console, ticket_id: int, text: str) -> bool:
    lines = console.get(f"/tickets/{ticket_id}").json()["transcript"]
    return any(line.get("text") == text for line in lines)


def test_waiting_then_agent_joined_then_handed_back(phone: Page, widget_server: str, db: Any) -> None:
    # Someone else is already waiting: this customer is second in the queue.
    restart(widget_server, "demo_clean")
    assert "排在第 1 位" in "".join(r.get("text", "") for r in rest_say(widget_server, "demo_clean", "/request_human"))
    restart(widget_server, "demo_balance")
    open_demo(phone, widget_server, "demo_balance")
    line = status_line(phone)
    expect(line).to_be_hidden()
    phone.evaluate(WATCH_TYPING)
    say(phone, "人工客服")
    expect(line).to_have_text("正在为您转接人工客服，前面还有 1 位", timeout=TIMEOUT)
    expect(line).to_have_attribute("aria-live", "polite")
    expect(phone.get_by_role("log")).to_contain_text("您现在排在第 2 位")
    expect(phone.locator(".cc-typing")).to_be_hidden()
    assert phone.evaluate("window.__typingShown"), "the bot's own turn shows the typing indicator"
    screenshot(phone, "widget-handoff-1-waiting")

    # Writing while waiting: the message reaches the agent, and nothing pretends the bot is typing.
    console = agent(widget_server)
    ticket = console.ticket_for("demo_balance")["id"]
    phone.evaluate(WATCH_TYPING)
    say(phone, "我想先还清借呗")
    expect(phone.locator(".cc-user .cc-bubble").last).to_have_text("我想先还清借呗")
    deadline = TIMEOUT / 1000
    for _ in range(int(deadline * 2)):
        if transcript_has(console, ticket, "我想先还清借呗"):
            break
        phone.wait_for_timeout(500)
    else:
        pytest.fail("the message written while waiting never reached the ticket")
    phone.wait_for_timeout(500)  # bot_turn_done has had time to arrive too
    assert not phone.evaluate("window.__typingShown"), "no typing indicator while waiting for a human"

    # The other customer is served first: this one is next, told at once and after a reload.
    first = console.ticket_for("demo_clean")["id"]
    assert console.post(f"/tickets/{first}/claim").ok
    expect(line).to_have_text("正在为您转接人工客服，您是下一位", timeout=TIMEOUT)
    assert console.post(f"/tickets/{first}/close").ok
    phone.reload()
    expect(status_line(phone)).to_have_text("正在为您转接人工客服，您是下一位", timeout=TIMEOUT)
    screenshot(phone, "widget-handoff-2-waiting-after-reload")

    # The agent claims and writes: the status line names the agent.
    assert console.post(f"/tickets/{ticket}/claim").ok
    assert console.post(f"/tickets/{ticket}/reply", {"text": "您好，我是小王，我来帮你看看借呗。"}).json()["delivered"]
    expect(status_line(phone)).to_have_text("人工客服 小王 已接入", timeout=TIMEOUT)
    expect(phone.locator(".cc-msg.cc-agent").last).to_contain_text("我来帮你看看借呗")
    screenshot(phone, "widget-handoff-3-agent-joined")
    phone.reload()
    expect(status_line(phone)).to_have_text("人工客服 小王 已接入", timeout=TIMEOUT)
    expect(phone.locator(".cc-send")).to_be_enabled(timeout=TIMEOUT)

    # Hand back: the line goes away, the bot says so and answers (with its typing indicator) again.
    assert console.post(f"/tickets/{ticket}/handback").ok
    expect(phone.get_by_role("log")).to_contain_text("接下来由我继续为您服务", timeout=TIMEOUT)
    expect(status_line(phone)).to_be_hidden()
    phone.evaluate(WATCH_TYPING)
    say(phone, "我想把借呗注销掉")
    expect(phone.locator(".cc-msg.cc-bot", has_text="借呗现在还不能关闭")).to_be_visible(timeout=TIMEOUT)
    assert phone.evaluate("window.__typingShown")
    screenshot(phone, "widget-handoff-4-handed-back")
    phone.reload()
    expect(phone.locator(".cc-send")).to_be_enabled(timeout=TIMEOUT)
    expect(phone.get_by_role("log")).to_contain_text("接下来由我继续为您服务", timeout=TIMEOUT)
    expect(status_line(phone)).to_be_hidden()


def test_closing_the_ticket_ends_the_waiting_state_without_a_message(
    desktop: Page, widget_server: str, db: Any
) -> None:
    restart(widget_server, "demo_overdue")
    open_demo(desktop, widget_server, "demo_overdue")
    say(desktop, "人工客服")
    line = status_line(desktop)
    expect(line).to_have_text("正在为您转接人工客服，您是下一位", timeout=TIMEOUT)
    screenshot(desktop, "widget-handoff-desktop-waiting")
    console = agent(widget_server)
    ticket = console.ticket_for("demo_overdue")["id"]
    messages = desktop.locator(".cc-msg").count()
    assert console.post(f"/tickets/{ticket}/claim").ok and console.post(f"/tickets/{ticket}/close").ok
    expect(line).to_be_hidden(timeout=TIMEOUT)
    expect(desktop.locator(".cc-msg")).to_have_count(messages)  # the bot resumes silently
    desktop.reload()
    expect(desktop.locator(".cc-send")).to_be_enabled(timeout=TIMEOUT)
    expect(desktop.get_by_role("log")).to_contain_text("正在为您转接人工客服", timeout=TIMEOUT)
    expect(status_line(desktop)).to_be_hidden()


def test_certificate_is_a_download_link(desktop: Page, widget_server: str, db: Any) -> None:
    restart(widget_server, "demo_closed")
    open_demo(desktop, widget_server, "demo_closed")
    say(desktop, "开结清证明")  # no product named: the bot asks which, with a button for each line
    link = desktop.locator("a.cc-file")
    product = desktop.get_by_role("group", name="快捷回复").last.get_by_role("button", name="花呗")
    expect(product).to_be_visible(timeout=TIMEOUT)
    product.click()  # the closed 花呗
    expect(link).to_be_visible(timeout=TIMEOUT)
    expect(link).to_have_attribute("download", "花呗结清证明.pdf")
    expect(link).to_have_accessible_name("下载 花呗结清证明.pdf")
    href = link.get_attribute("href") or ""
    assert href.startswith(f"{widget_server}/webhooks/certificates/download/")
    screenshot(desktop, "widget-certificate-link")
    with desktop.expect_download(timeout=TIMEOUT) as download:
        link.click()
    # The server's Content-Disposition name (with the verification code) wins over the link's.
    assert download.value.suggested_filename.startswith("花呗结清证明-JQ-")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    desktop.reload()  # the link comes back from the history too
    expect(desktop.locator("a.cc-file")).to_have_attribute("download", "花呗结清证明.pdf", timeout=TIMEOUT)
