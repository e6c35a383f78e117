"""scripts/run-prod.sh started and stopped by a program: the fault tests, the load run, the workers benchmark.

Each caller names its own ports, databases and services; what they share is here: the production
settings with fresh secrets, starting the script in its own process group and waiting for its
"topology ready" line, stopping it, and deleting the run's RabbitMQ queue afterwards.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
READY = "topology ready"  # what run-prod.sh prints once nginx, every Rasa and action server answer


class TopologyDidNotStart(RuntimeError):
    """run-prod.sh exited or was not ready in time; the message ends with its output."""


def production_env(
    work: Path, *, rasa_port: int, action_port: int, proxy_port: int, public_port: int
) -> dict[str, str]:
    """The environment run-prod.sh needs besides the services: ports on loopback, fresh secrets, files under `work`."""
    return {
        **os.environ,
        "BOT_DEV_MODE": "false",
        "RASA_PORT_BASE": str(rasa_port),
        "ACTION_PORT_BASE": str(action_port),
        "ACTION_PROXY_PORT": str(proxy_port),
        "PUBLIC_PORT": str(public_port),
        "PUBLIC_BIND": "127.0.0.1",
        "PROD_DIR": str(work),
        "BOT_JWT_SECRET": secrets.token_hex(32),
        "BOT_ACTION_SECRET": secrets.token_hex(32),
        "RASA_AUTH_TOKEN": secrets.token_hex(16),
        "BOT_CONSOLE_SECRET": secrets.token_hex(32),
    }


def start(env: dict[str, str], work: Path, seconds: float = 900) -> subprocess.Popen[bytes]:
    """Start run-prod.sh (output in `work`/run-prod.out) and wait until it is ready.

    Raises:
        TopologyDidNotStart: it exited, or was not ready within `seconds` (it is stopped then).
    """
    out = work / "run-prod.out"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [str(ROOT / "scripts" / "run-prod.sh")],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a stuck child can be killed with it
        )
    deadline = time.monotonic() + seconds
    while READY not in out.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            raise TopologyDidNotStart(f"scripts/run-prod.sh did not start:\n{out.read_text(errors='replace')[-3000:]}")
        time.sleep(1)
    return proc


def stop(proc: subprocess.Popen[bytes], seconds: float = 90) -> None:
    """SIGTERM (run-prod.sh stops every process it started), then SIGKILL to its group after `seconds`."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(seconds)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
T = TypeVar("T")


def _on_channel(amqp_url: str, step: Callable[[Any], Awaitable[T]]) -> T:
    """`step(channel)` on a channel of its own connection, run to the end in a thread of its own.

    In a thread: the caller may be inside a running event loop (pytest, Playwright, a test holding its loop).
    """
    import aio_pika

    async def run() -> T:
        connection = await aio_pika.connect(amqp_url, timeout=5)
        async with connection:
            return await step(await connection.channel())

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def queued_messages(name: str, amqp_url: str = DEFAULT_AMQP_URL) -> int | None:
    """How many messages the queue `name` holds now (None: RabbitMQ or the queue is not there)."""

    async def count(channel: Any) -> int | None:
        queue = await channel.declare_queue(name, passive=True)
        return queue.declaration_result.message_count

    try:
        return _on_channel(amqp_url, count)
    except Exception:
        return None


def delete_queue(name: str, amqp_url: str = DEFAULT_AMQP_URL, exchange: str | None = None) -> str | None:
    """Delete the run's event queue (Rasa's broker declares it durable), and its exchange if given.

    Tidying only: returns why it could not (a broker that is down has nothing to tidy), else None.
    """

    async def delete(channel: Any) -> None:
        await channel.queue_delete(name)
        if exchange is not None:
            await channel.exchange_delete(exchange)

    try:
        _on_channel(amqp_url, delete)
    except Exception as problem:
        return str(problem) or type(problem).__name__
    return None
