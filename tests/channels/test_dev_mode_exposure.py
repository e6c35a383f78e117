"""Development mode is served to this machine only: loopback binds, loopback clients for the token mint."""

from collections.abc import Callable
from typing import Any

import pytest
from rasa.core.channels.channel import InputChannel

from bot.config import DEV_JWT_SECRET, ConfigError, Settings
from channels.action_server import create_guarded_app
from channels.agent_console import AgentConsoleInput
from channels.rest import TokenRestInput
from channels.socket import TokenSocketIOInput
from tests.channels.serving import build_app, serving, start, stop

DEV = Settings(dev_mode=True, action_secret="a" * 32, jwt_secret=DEV_JWT_SECRET)
CHANNELS: list[Callable[[Settings], InputChannel]] = [
    lambda s: TokenRestInput(settings=s),
    lambda s: TokenSocketIOInput(settings=s),
    AgentConsoleInput,
]


@pytest.mark.parametrize("make", CHANNELS)
async def test_the_rasa_server_refuses_development_mode_on_a_public_address(make: Any) -> None:
    with pytest.raises(ConfigError, match="127.0.0.1"):
        await start(build_app([make(DEV)]), host="0.0.0.0")


@pytest.mark.parametrize("make", CHANNELS)
async def test_development_mode_on_loopback_starts(make: Any) -> None:
    await stop(await start(build_app([make(DEV)])))


async def test_the_action_server_refuses_development_mode_on_a_public_address() -> None:
    with pytest.raises(ConfigError, match="action server"):
        await start(create_guarded_app(DEV), host="0.0.0.0")


async def test_the_token_mint_answers_local_clients_only() -> None:
    async with serving([TokenSocketIOInput(settings=DEV)]) as http:
        mint = "/webhooks/socketio/dev/token?customer=demo_balance"
        async with http.get(mint) as resp:
            assert resp.status == 200 and (await resp.json())["customer_id"] == "demo_balance"
        # a proxy on this machine forwarding someone else's request
        for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
            async with http.get(mint, headers={header: "203.0.113.9"}) as resp:
                assert resp.status == 403
                assert "token" not in await resp.json()
            async with http.get("/webhooks/socketio/demo", headers={header: "203.0.113.9"}) as resp:
                assert resp.status == 403
