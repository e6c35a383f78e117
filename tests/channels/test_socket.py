import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.config import ConfigError, Settings
from bot.security.tokens import mint_token
from channels import live
from channels.rest import TokenRestInput
from channels.socket import TokenSocketIOInput
from channels.widget_routes import WIDGET_FILES, widget_path


async def _ignore(_: Any) -> None:
    return None


async def test_the_socket_channel_registers_the_live_deliverer(monkeypatch: pytest.MonkeyPatch) -> None:
    channel = TokenSocketIOInput(settings=Settings(dev_mode=True, jwt_secret="k" * 40))
    live.register(None)
    channel.blueprint(_ignore)
    sio = channel.sio
    assert sio is not None
    emitted: list[tuple[str, dict[str, Any], str | None]] = []

    async def emit(event: str, data: dict[str, Any], room: str | None = None, **_: Any) -> None:
        emitted.append((event, data, room))

    monkeypatch.setattr(sio, "emit", emit)
    message = {"text": "您好", "sender": "agent", "agent_name": "小王"}
    try:
        # nobody has this conversation open: the console is told so, and nothing is sent
        assert await live.deliver("demo_balance", message) is False
        assert emitted == []
        # a widget joins the conversation's room: the message reaches it through the registered deliverer
        sid = await sio.manager.connect("eio-1", "/")
        await sio.manager.enter_room(sid, "/", "demo_balance")
        assert await live.deliver("demo_balance", message) is True
        [(event, data, room)] = emitted
        assert (event, room) == ("bot_uttered", "demo_balance")
        assert data == {**message, "timestamp": data["timestamp"]} and isinstance(data["timestamp"], float)
        # another conversation's room is still empty
        assert await live.deliver("demo_clean", message) is False
    finally:
        live.register(None)


@pytest.mark.parametrize("make", [lambda s: TokenSocketIOInput(settings=s), lambda s: TokenRestInput(settings=s)])
def test_production_channels_refuse_to_start_without_a_token_secret(make: Any) -> None:
    with pytest.raises(ConfigError):
        make(Settings(dev_mode=False, jwt_secret=""))


def test_every_served_widget_file_exists() -> None:
    for name in WIDGET_FILES:
        assert widget_path(name).is_file(), name
    assert "MIT" in widget_path("socket.io.min.js").read_text(encoding="utf-8")[:300]  # licence header kept


SECRET = "k" * 40
PROD = Settings(dev_mode=False, jwt_secret=SECRET)


def _token(ttl: timedelta) -> str:
    return mint_token("demo_balance", secret=SECRET, issuer=PROD.jwt_issuer, audience=PROD.jwt_audience, ttl=ttl)


@pytest.fixture
def channel(monkeypatch: pytest.MonkeyPatch) -> Iterator[TokenSocketIOInput]:
    """The production socket channel with its socket.io server; emits are recorded in `channel.emitted`."""
    channel = TokenSocketIOInput(settings=PROD)
    live.register(None)
    channel.blueprint(_ignore)
    sio = channel.sio
    assert sio is not None
    sessions: dict[str, dict[str, Any]] = {}
    emitted: list[tuple[str, Any, str | None]] = []

    async def get_session(sid: str, namespace: str | None = None) -> dict[str, Any]:
        return sessions.setdefault(sid, {})

    async def emit(event: str, data: Any, room: str | None = None, **_: Any) -> None:
        emitted.append((event, data, room))

    monkeypatch.setattr(sio, "get_session", get_session)
    monkeypatch.setattr(sio, "emit", emit)
    channel.emitted = emitted
    yield channel
    live.register(None)


async def _open_widget(channel: TokenSocketIOInput, eio_sid: str, token: str) -> str:
    """A widget that connected with `token` and asked for its session, as the socket.io events run it."""
    sio = channel.sio
    assert sio is not None
    sid = await sio.manager.connect(eio_sid, "/")
    (await sio.get_session(sid))["token"] = token
    await sio.handlers["/"]["session_request"](sid, {"session_id": "ignored"})
    return sid


def _in_room(channel: TokenSocketIOInput, room: str) -> set[str]:
    assert channel.sio is not None
    return {sid for sid, _ in channel.sio.manager.get_participants("/", room)}


async def test_a_socket_leaves_the_customers_room_when_its_token_expires(channel: TokenSocketIOInput) -> None:
    leaked = await _open_widget(channel, "eio-leaked", _token(timedelta(minutes=5)))  # e.g. copied from a log
    mine = await _open_widget(channel, "eio-mine", _token(timedelta(minutes=60)))
    assert _in_room(channel, "demo_balance") == {leaked, mine}
    # ten minutes later the leaked token has expired, the customer's own has not
    channel.clock = lambda: time.time() + 600
    emitted: list[tuple[str, Any, str | None]] = channel.emitted
    emitted.clear()
    assert await live.deliver("demo_balance", {"text": "您好", "sender": "agent"}) is True
    assert _in_room(channel, "demo_balance") == {mine}
    told = [(data["auth_error"], room) for _, data, room in emitted if isinstance(data, dict) and "auth_error" in data]
    assert told == [("expired", leaked)]
    assert ("bot_uttered", "demo_balance") in [(event, room) for event, _, room in emitted]
    # the bot's own replies go to the room the same way
    output = channel.get_output_channel()
    assert output is not None
    channel.clock = lambda: time.time() + 7200
    await output.send_text_message("demo_balance", "好的")
    assert _in_room(channel, "demo_balance") == set()


async def test_the_socket_is_taken_out_at_exp_even_when_nothing_is_delivered(channel: TokenSocketIOInput) -> None:
    sid = await _open_widget(channel, "eio-short", _token(timedelta(seconds=1)))
    assert _in_room(channel, "demo_balance") == {sid}
    await asyncio.sleep(2.2)
    assert _in_room(channel, "demo_balance") == set()
