from typing import Any

import pytest

from bot.config import ConfigError, Settings
from channels import live
from channels.rest import TokenRestInput
from channels.socket import TokenSocketIOInput
from channels.widget_routes import WIDGET_FILES, widget_path


async def _ignore(_: Any) -> None:
    return None


async def test_the_socket_channel_registers_the_live_deliverer() -> None:
    channel = TokenSocketIOInput(settings=Settings(dev_mode=True, jwt_secret="k" * 40))
    channel.blueprint(_ignore)
    try:
        # nobody has this conversation open: the console is told so
        assert await live.deliver("demo_balance", {"text": "您好", "sender": "agent", "agent_name": "小王"}) is False
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
