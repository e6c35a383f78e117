"""Serve channels in an app built the way `rasa run` builds it (Rasa's configure_app, CORS included).

The app listens on a free loopback port for one test and is talked to over
real HTTP (aiohttp; or any client, with `serving_in_thread`), so middleware,
listeners and cookies behave as in the servers. No model is loaded: routes
that need `app.ctx.agent` are not for these tests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
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


@contextmanager
def serving_in_thread(app: Sanic, host: str = "127.0.0.1") -> Iterator[str]:
    """Run the app on its own event loop in a background thread; yields its base URL.

    For synchronous tests (hypothesis) that send many requests with a plain HTTP client.
    """
    loop = asyncio.new_event_loop()
    started: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            started.set_result(loop.run_until_complete(start(app, host)))
        except BaseException as exc:  # reported in the test's thread
            started.set_exception(exc)
            return
        loop.run_forever()

    thread = threading.Thread(target=run, name=f"serving-{app.name}", daemon=True)
    thread.start()
    server = started.result(timeout=60)

    async def shutdown() -> None:
        await stop(server)
        # connections a client kept alive: end their tasks before the loop closes
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    try:
        yield f"http://{host}:{app.state.port}"
    finally:
        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
