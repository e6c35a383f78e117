"""Rasa's calls to the action server go over kept connections (channels/action_connections.py, cut 30).

A real HTTP server counts the connections its calls arrive on: with the cut, calls in a row share
one; a connection idle longer than the keep-alive time is not reused; Rasa's own session opens one
per call (so the count can fail).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig
from sanic.config import Config

from bot.config import REPO_ROOT
from channels import action_connections, turn_cost


@pytest.fixture
def cuts() -> Iterator[None]:
    turn_cost.install()
    yield


async def _ports_of_calls(calls: int, pause: float = 0.0) -> list[int]:
    """The client ports `calls` POSTs through EndpointConfig.request arrived from (one per connection)."""
    ports: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        assert request.transport is not None
        ports.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app, keepalive_timeout=5.0)  # Sanic's, the action server's
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        for _ in range(calls):
            assert await endpoint.request(json={"next_action": "action_check_closure"}) == {
                "events": [],
                "responses": [],
            }
            await asyncio.sleep(pause)
    finally:
        await action_connections.connector().close()  # (a server's loop runs until the process ends)
        await runner.cleanup()
    return ports


def test_calls_in_a_row_share_one_connection(cuts: None) -> None:
    ports = asyncio.run(_ports_of_calls(4))
    assert len(ports) == 4 and len(set(ports)) == 1


def test_a_connection_idle_longer_than_the_keepalive_time_is_not_reused(
    cuts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(action_connections, "KEEPALIVE_SECONDS", 0.2)
    monkeypatch.setitem(action_connections._shared, "connector", None)  # made again with that time
    ports = asyncio.run(_ports_of_calls(3, pause=0.4))
    assert len(set(ports)) == 3


def test_each_event_loop_gets_connections_of_its_own(cuts: None) -> None:
    first = asyncio.run(_ports_of_calls(2))
    second = asyncio.run(_ports_of_calls(2))
    assert len(set(first)) == 1 and len(set(second)) == 1


def test_rasas_own_session_opens_a_connection_per_call() -> None:
    turn_cost.uninstall()
    try:
        ports = asyncio.run(_ports_of_calls(3))
    finally:
        turn_cost.install()
    assert len(set(ports)) == 3


def test_the_client_gives_up_idle_connections_before_the_servers_close_them() -> None:
    # Sanic (the action server) closes idle connections after KEEP_ALIVE_TIMEOUT …
    assert action_connections.KEEPALIVE_SECONDS < Config().KEEP_ALIVE_TIMEOUT / 2
    # … nginx after its default 75 s: the project's configuration sets a keep-alive time only for
    # nginx's own connections to the action servers (inside an upstream block), none for its clients
    template = (REPO_ROOT / "deploy" / "nginx" / "credit-assistant.conf.template").read_text()
    outside_upstreams = re.sub(r"upstream \w+ \{.*?\n  \}", "", template, flags=re.DOTALL)
    assert "keepalive_timeout" in template and "keepalive_timeout" not in outside_upstreams
