from typing import Any

import pytest

from bot.config import ConfigError, Settings
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
