"""The channels' input limits and payload cleaning (issue 14) against a real in-process Sanic server, without Rasa.

A stand-in for Rasa's message handler records what reaches the assistant;
the tests check that over-long messages, oversized bodies and senders or
clients over their rate get the polite domain reply and never reach it.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import structlog
import structlog.testing
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic

from bot.config import Settings
from bot.security.message_limits import MAX_MESSAGE_CHARS
from channels.rest import TokenRestInput
from channels.socket import TokenSocketIOInput
from tests.rendering import domain

SECRET = "k" * 40
TOO_LONG = domain()["responses"]["utter_message_too_long"][0]["text"].format(max_chars=MAX_MESSAGE_CHARS)
RATE_LIMITED = domain()["responses"]["utter_rate_limited"][0]["text"]


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sanic 21.12 rewrites ("touches up") its own methods when an app starts; outside test
    # mode the second app in one process fails on the already rewritten source.
    monkeypatch.setattr(Sanic, "test_mode", True)


def settings(**overrides: Any) -> Settings:
    return Settings(dev_mode=True, jwt_secret=SECRET, **overrides)


@dataclass
class Server:
    url: str
    app: Sanic
    received: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def serving(channel: InputChannel, prefix: str, *, failing: bool = False) -> AsyncIterator[Server]:
    """The channel's blueprint on a Sanic app, as `rasa run` mounts it; the "assistant" echoes (or fails)."""
    port = _free_port()
    app = Sanic(f"limits_{port}")
    app.config.KEEP_ALIVE = False  # no idle connection outlives the test's event loop
    server = Server(f"http://127.0.0.1:{port}", app)

    async def assistant(message: UserMessage) -> None:
        server.received.append(message.text or "")
        if failing:
            raise ValueError(f"could not handle {message.text!r}")
        await message.output_channel.send_text_message(message.sender_id, f"echo {len(message.text or '')}")

    handler: Callable[[UserMessage], Awaitable[Any]] = assistant
    app.blueprint(channel.blueprint(handler), url_prefix=prefix)
    running = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert running is not None
    await running.startup()
    await running.before_start()
    await running.after_start()
    try:
        yield server
    finally:
        await running.before_stop()
        running.close()
        await running.wait_closed()
        await running.after_stop()


async def post(server: Server, sender: str, message: str) -> tuple[int, list[dict[str, Any]]]:
    async with aiohttp.ClientSession() as http:
        url = f"{server.url}/webhooks/rest/webhook"
        async with http.post(url, json={"sender": sender, "message": message}) as resp:
            return resp.status, await resp.json(content_type=None)


# ── REST ──────────────────────────────────────────────────────────────


async def test_rest_refuses_an_over_long_message_politely_without_the_assistant() -> None:
    async with serving(TokenRestInput(settings=settings()), "/webhooks/rest") as server:
        status, replies = await post(server, "demo_balance", "一" * 5_000 + "天")
        assert status == 413
        assert replies == [{"text": TOO_LONG, "sender": "system", "refused": "too_long"}]
        assert "1000" in TOO_LONG and "{" not in TOO_LONG
        status, replies = await post(server, "demo_balance", "一" * MAX_MESSAGE_CHARS)
        assert status == 200 and replies[0]["text"] == f"echo {MAX_MESSAGE_CHARS}"
        assert server.received == ["一" * MAX_MESSAGE_CHARS]


async def test_rest_caps_the_request_body_and_still_answers_politely() -> None:
    async with serving(TokenRestInput(settings=settings(max_request_bytes=64 * 1024)), "/webhooks/rest") as server:
        assert server.app.config.REQUEST_MAX_SIZE == 64 * 1024  # Sanic's default is 100 MB
        status, replies = await post(server, "demo_balance", "一" * 100_000)  # ~300 KB of JSON
        assert status == 413 and replies[0]["text"] == TOO_LONG
        assert server.received == []
        status, _ = await post(server, "demo_balance", "借呗能注销吗")  # the server is still there
        assert status == 200 and server.received == ["借呗能注销吗"]


async def test_rest_limits_each_senders_rate() -> None:
    async with serving(TokenRestInput(settings=settings(sender_rate="2/60")), "/webhooks/rest") as server:
        assert [(await post(server, "demo_balance", "你好"))[0] for _ in range(2)] == [200, 200]
        status, replies = await post(server, "demo_balance", "你好")
        assert status == 429
        assert replies == [{"text": RATE_LIMITED, "sender": "system", "refused": "rate_limited"}]
        assert (await post(server, "demo_clean", "你好"))[0] == 200  # another customer is not slowed down
        assert len(server.received) == 3


async def test_rest_limits_each_client_address() -> None:
    limits = settings(ip_rate="3/60", sender_rate="off")
    async with serving(TokenRestInput(settings=limits), "/webhooks/rest") as server:
        statuses = [(await post(server, f"sender_{i}", "你好"))[0] for i in range(4)]
        assert statuses == [200, 200, 200, 429]  # new sender ids do not get round the address limit


async def test_an_over_long_message_does_not_hold_up_another_sender() -> None:
    async with serving(TokenRestInput(settings=settings()), "/webhooks/rest") as server:
        results = await asyncio.gather(
            post(server, "demo_balance", "一" * 100_000 + "天"),
            post(server, "demo_clean", "借呗能注销吗"),
        )
        assert [status for status, _ in results] == [413, 200]
        assert server.received == ["借呗能注销吗"]


async def test_rest_drops_entity_values_outside_the_contract_from_payloads() -> None:
    spoof = "我是平台客服，请把验证码发给我"
    async with serving(TokenRestInput(settings=settings()), "/webhooks/rest") as server:
        await post(server, "demo_clean", f'/close_account{{"external_product":"{spoof}","product":"huabei"}}')
        await post(server, "demo_clean", '/pause_credit{"duration":1e999}')
        assert server.received == ['/close_account{"product":"huabei"}', "/pause_credit"]


async def test_a_failed_message_is_logged_without_its_text() -> None:
    secret = "我的卡号6222021234567890"
    async with serving(TokenRestInput(settings=settings()), "/webhooks/rest", failing=True) as server:
        with structlog.testing.capture_logs() as logs:
            await post(server, "demo_clean", secret)
    (failure,) = (entry for entry in logs if entry["event"] == "rest.message.received.failure")
    assert failure["error"] == "ValueError" and failure["length"] == len(secret)
    assert failure["sender_id"] == "demo_clean"
    assert "6222021234567890" not in repr(logs)


# ── socket.io ─────────────────────────────────────────────────────────


@dataclass
class Widget:
    """The socket channel's message handler, driven as socket.io would (no network: sessions and emits faked)."""

    channel: TokenSocketIOInput
    received: list[str] = field(default_factory=list)
    emitted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def open(cls, monkeypatch: pytest.MonkeyPatch, **limits: Any) -> Widget:
        widget = cls(TokenSocketIOInput(settings=settings(**limits)))

        async def assistant(message: UserMessage) -> None:
            widget.received.append(message.text or "")
            await message.output_channel.send_text_message(message.sender_id, f"echo {len(message.text or '')}")

        widget.channel.blueprint(assistant)
        sio = widget.channel.sio
        assert sio is not None
        sessions: dict[str, dict[str, Any]] = {}

        async def get_session(sid: str, namespace: str | None = None) -> dict[str, Any]:
            return sessions.setdefault(sid, {})

        async def emit(event: str, data: dict[str, Any], room: str | None = None, **_: Any) -> None:
            widget.emitted.append((event, data))

        def get_environ(sid: str, namespace: str | None = None) -> dict[str, Any]:
            return {"sanic.request": SimpleNamespace(remote_addr="", ip=f"10.0.0.{sid[-1]}", app=None)}

        monkeypatch.setattr(sio, "get_session", get_session)
        monkeypatch.setattr(sio, "emit", emit)
        monkeypatch.setattr(sio, "get_environ", get_environ)
        return widget

    async def say(self, sid: str, sender: str, text: str) -> list[str]:
        """Send one message from connection `sid`; the texts the widget then receives."""
        before = len(self.emitted)
        sio = self.channel.sio
        assert sio is not None
        await sio.handlers["/"]["user_uttered"](sid, {"message": text, "session_id": sender})
        new = self.emitted[before:]
        assert new[-1][0] == "bot_turn_done"  # the widget's typing indicator always stops
        return [data["text"] for event, data in new if event == "bot_uttered"]


async def test_the_socket_refuses_an_over_long_message_politely_without_the_assistant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget = Widget.open(monkeypatch)
    assert await widget.say("sid-1", "demo_balance", "一" * 5_000 + "天") == [TOO_LONG]
    refusal = next(data for event, data in widget.emitted if event == "bot_uttered")
    assert (refusal["sender"], refusal["refused"]) == ("system", "too_long")
    assert await widget.say("sid-1", "demo_balance", "借呗能注销吗") == ["echo 6"]
    assert widget.received == ["借呗能注销吗"]


async def test_the_socket_limits_each_senders_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = Widget.open(monkeypatch, sender_rate="1/60")
    assert await widget.say("sid-1", "demo_balance", "你好") == ["echo 2"]
    assert await widget.say("sid-2", "demo_balance", "你好") == [RATE_LIMITED]  # a second tab: same customer
    assert await widget.say("sid-3", "demo_clean", "你好") == ["echo 2"]
    assert widget.received == ["你好", "你好"]


async def test_the_socket_limits_each_client_address(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = Widget.open(monkeypatch, ip_rate="2/60", sender_rate="off")
    answers = [await widget.say("sid-1", f"sender_{i}", "你好") for i in range(3)]
    assert answers == [["echo 2"], ["echo 2"], [RATE_LIMITED]]
    assert await widget.say("sid-2", "sender_9", "你好") == ["echo 2"]  # another address (10.0.0.2)


async def test_the_socket_drops_entity_values_outside_the_contract_from_payloads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget = Widget.open(monkeypatch)
    await widget.say("sid-1", "demo_clean", '/close_account{"external_product":"假冒的话","product":["huabei"]}')
    assert widget.received == ['/close_account{"product":["huabei"]}']


def test_the_socket_server_reads_no_more_than_the_request_limit() -> None:
    channel = TokenSocketIOInput(settings=settings(max_request_bytes=32 * 1024))

    async def ignore(_: UserMessage) -> None:
        return None

    channel.blueprint(ignore)
    assert channel.sio is not None and channel.sio.eio.max_http_buffer_size == 32 * 1024
