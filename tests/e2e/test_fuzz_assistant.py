"""Property-based fuzzing of the real assistant through both channels (issue 14, part 8).

The development server pair of tests/e2e (the trained model, the action
server, a seeded database) gets hostile messages as demo customers over REST
and over socket.io. The property: no 5xx, and a message that reached the
assistant is never met with silence, `/restart`, `/session_start`, a lone
surrogate and a 100,000-character message included. The one silence allowed
is a conversation a human agent has taken over (the tracker says `paused`);
such a conversation is restarted before the next case.

Fewer cases than the in-process properties (tests/channels/test_fuzz_*.py):
each one runs the NLU, the dialogue policies and maybe actions.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio
from hypothesis import example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy.orm import sessionmaker

from bot.security.message_limits import MAX_MESSAGE_CHARS
from tests.e2e.conftest import Servers
from tests.fuzzing import budget, count, encode, hostile_texts, timed

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

CUSTOMERS = st.sampled_from(["demo_clean", "demo_balance", "demo_bound", "demo_frozen"])
REPLY_SECONDS = 60


def paused(running: Servers, customer: str) -> bool:
    tracker = requests.get(f"{running.rasa_url}/conversations/{customer}/tracker", timeout=30).json()
    return bool(tracker.get("paused"))


def readable(messages: list[dict[str, Any]]) -> bool:
    """Whether the user sees something: at least one message with text."""
    return any(str(m.get("text") or "").strip() for m in messages)


@hsettings(max_examples=budget(80))
@given(text=hostile_texts, customer=CUSTOMERS)
@example(text="/restart", customer="demo_clean")
@example(text="/session_start", customer="demo_clean")
@example(text="\ud800", customer="demo_balance")
@example(text="一" * 100_000, customer="demo_balance")
@example(text="", customer="demo_clean")
@example(text='/close_account{"product":', customer="demo_clean")
def test_the_assistant_answers_every_rest_message(running: Servers, db: sessionmaker, text: str, customer: str) -> None:
    count("assistant over REST")
    with timed("assistant over REST"):
        response = requests.post(
            running.webhook,
            data=encode({"sender": customer, "message": text}),
            headers={"Content-Type": "application/json"},
            timeout=REPLY_SECONDS,
        )
    assert response.status_code < 500, response.text[:300]
    answer = response.json()
    if response.status_code >= 400:
        [refusal] = answer
        assert refusal["text"].strip() and refusal["sender"] == "system"
    elif not readable(answer):
        assert paused(running, customer), f"silence for {text[:80]!r}: {answer}"
    if paused(running, customer):
        assert readable(
            requests.post(running.webhook, json={"sender": customer, "message": "/restart"}, timeout=60).json()
        )


class Widget:
    """socket.io clients (one per customer, as their widgets) on an event loop thread, for synchronous tests."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        # kept open: a polling client's disconnect waits for its pending long poll (up to the ping interval)
        self.clients: dict[str, tuple[socketio.AsyncClient, asyncio.Queue[tuple[str, Any]]]] = {}

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=REPLY_SECONDS + 30)

    async def _connect(self, customer: str) -> None:
        """Open the conversation as the widget does: connect, then ask for the customer's session (its room)."""
        inbox: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        client = socketio.AsyncClient(reconnection=False)
        confirmed = asyncio.Event()
        client.on("session_confirm", lambda _: confirmed.set())

        async def bot_uttered(data: Any) -> None:
            await inbox.put(("bot_uttered", data))

        async def turn_done(data: Any) -> None:
            await inbox.put(("bot_turn_done", data))

        client.on("bot_uttered", bot_uttered)
        client.on("bot_turn_done", turn_done)
        await client.connect(self.url, transports=["polling"])
        await client.emit("session_request", {"session_id": customer})
        await asyncio.wait_for(confirmed.wait(), REPLY_SECONDS)
        self.clients[customer] = (client, inbox)

    async def _say(self, customer: str, text: str) -> list[dict[str, Any]]:
        if customer not in self.clients or not self.clients[customer][0].connected:
            await self._connect(customer)
        client, inbox = self.clients[customer]
        await client.emit("user_uttered", {"message": text, "session_id": customer})
        said: list[dict[str, Any]] = []
        while True:
            event, data = await asyncio.wait_for(inbox.get(), REPLY_SECONDS)
            if event == "bot_turn_done":
                return said
            said.append(data)

    def say(self, customer: str, text: str) -> list[dict[str, Any]]:
        return list(self.run(self._say(customer, text)))

    async def _close(self) -> None:
        disconnects = [asyncio.wait_for(client.disconnect(), 2) for client, _ in self.clients.values()]
        await asyncio.gather(*disconnects, return_exceptions=True)

    def close(self) -> None:
        self.run(self._close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def widget(running: Servers) -> Iterator[Widget]:
    widget = Widget(running.rasa_url)
    try:
        yield widget
    finally:
        widget.close()


# engine.io refuses a polling packet over BOT_MAX_REQUEST_BYTES by closing the connection; the widget
# itself stops at 500 characters, so socket cases stay a little over the channel's own limit
socket_texts = hostile_texts.filter(lambda t: len(t) <= MAX_MESSAGE_CHARS + 500)


@hsettings(max_examples=budget(40))
@given(text=socket_texts, customer=CUSTOMERS)
@example(text="/session_start", customer="demo_balance")
@example(text="\udfff借呗", customer="demo_balance")
def test_the_assistant_answers_every_socket_message(
    running: Servers, db: sessionmaker, widget: Widget, text: str, customer: str
) -> None:
    count("assistant over socket.io")
    with timed("assistant over socket.io"):
        said = widget.say(customer, text)  # returns at bot_turn_done: the typing indicator always stops
    if not readable(said):
        assert paused(running, customer), f"silence for {text[:80]!r}: {said}"
    if paused(running, customer):
        assert readable(widget.say(customer, "/restart"))
