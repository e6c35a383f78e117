"""Serve channels in an app built the way `rasa run` builds it (Rasa's configure_app, CORS included).

The app listens on a free loopback port for one test and is talked to over
real HTTP (aiohttp), so middleware, listeners and cookies behave as in the
servers. No model is loaded: routes that need `app.ctx.agent` are not for these tests.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel
from rasa.core.run import configure_app
from sanic import Sanic


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def build_app(channels: list[InputChannel], cors: Any = None) -> Sanic:
    """The Rasa server's app with these input channels (`cors` as `rasa run --cors` passes it)."""
    Sanic.test_mode = True  # several apps of one name in one process
    return configure_app(channels, cors=cors, enable_api=False)


async def start(app: Sanic, host: str = "127.0.0.1") -> Any:
    """Listen and run the app's start-up listeners; returns the started server (see `stop`).

    (Unlike `app.run`, `create_server` binds before the listeners run: a refusing listener closes it here.)
    """
    server = await app.create_server(host=host, port=_free_port(host), return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    try:
        await server.before_start()
    except BaseException:
        server.close()
        await server.wait_closed()
        raise
    await server.after_start()
    return server


async def stop(server: Any) -> None:
    """Stop a server from `start`."""
    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()


@asynccontextmanager
async def serving(
    channels: list[InputChannel], *, cors: Any = None, cookies: bool = True
) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client on the running app; relative URLs (`/console/api/me`) reach it."""
    app = build_app(channels, cors)
    server = await start(app)
    port = app.state.port
    jar = aiohttp.CookieJar(unsafe=True) if cookies else aiohttp.DummyCookieJar()  # unsafe: cookies for an IP
    try:
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}", cookie_jar=jar) as http:
            yield http
    finally:
        await stop(server)
