"""Rasa's calls to its endpoints (the action server) over connections kept between calls (issue 15).

Rasa 3.6 opens a client session, and so a new TCP connection, for every action call, and closes
it afterwards: several connections a turn, each set up and torn down by this process, nginx and
the action server (about 3 % of a Rasa process's CPU under `make load`, docs/benchmarks.md). The
sessions made here share one connector per event loop, which keeps idle connections for a short
while and reuses them.

A kept connection must be given up by the client before the server closes it: otherwise a call can
go out on a connection the server is closing, fail with "server disconnected", and the user gets
the apology. The servers keep idle connections for 5 s (Sanic, the action server in `make run`)
and 75 s (nginx, `make run-prod`); aiohttp drops a connection idle longer than its keep-alive
time instead of reusing it, so 2 s stays well below both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

KEEPALIVE_SECONDS = 2.0

_shared: dict[str, Any] = {"loop": None, "connector": None}


def connector() -> aiohttp.TCPConnector:
    """The running event loop's connector (a server runs one loop; tests run many, one after another)."""
    loop = asyncio.get_running_loop()
    kept: aiohttp.TCPConnector | None = _shared["connector"]
    if kept is None or kept.closed or _shared["loop"] is not loop:
        # no limit on connections at once, as Rasa's one session per call had none
        kept = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS)
        _shared.update(loop=loop, connector=kept)
    return kept


def session(endpoint: EndpointConfig, json_serialize: Callable[[Any], str]) -> aiohttp.ClientSession:
    """Rasa's `EndpointConfig.session()` on the shared connector: closing it leaves the connections kept."""
    auth = None
    if endpoint.basic_auth:
        auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=connector(),
        connector_owner=False,
        json_serialize=json_serialize,
    )
