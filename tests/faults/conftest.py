"""The production topology (scripts/run-prod.sh) started once for the fault tests, on 16xxx ports.

Its Redis, RabbitMQ, tracker PostgreSQL and account PostgreSQL are the machine's, reached through
`FaultProxy`s that the tests cut and restore (benchmarks/prod_topology.py starts and stops it, as
for the load run). Without a trained model in models/ the topology starts without
one (PROD_ALLOW_NO_MODEL=1) and the tests that need conversations skip, except with CI=true,
where a missing model is trained first (as `make test` does anyway).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks import prod_topology
from bot.config import REPO_ROOT
from tests.conftest import AMQP_URL, run_async
from tests.faults.fault_proxy import FaultProxy

BASE = int(os.environ.get("FAULTS_PORT_BASE", "16020"))
CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a fault test (`make test-faults`; `make test` leaves them out)."""
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.services)


@dataclass
class Topology:
    """A running scripts/run-prod.sh and what the tests need to reach it."""

    proc: subprocess.Popen[bytes]
    env: dict[str, str]
    dir: Path
    proxies: dict[str, FaultProxy]
    has_model: bool
    accounts_url: str  # the account database, directly (the topology's DATABASE_URL goes through a proxy)
    tracker_url: str  # Rasa's tracker database, directly
    rasa_ports: list[int] = field(default_factory=list)

    @property
    def public(self) -> str:
        return f"http://127.0.0.1:{self.env['PUBLIC_PORT']}"

    @property
    def logs(self) -> Path:
        return self.dir / "logs"

    def pid(self, name: str) -> int:
        return int((self.dir / f"{name}.pid").read_text())

    def restarts(self) -> list[str]:
        log = self.logs / "supervisor.log"
        return log.read_text().splitlines() if log.exists() else []

    def action_calls(self) -> list[dict[str, str]]:
        """Each request nginx passed to the action servers so far: request, status, upstream, request_bytes."""
        proxy = f"port={self.env['ACTION_PROXY_PORT']} "
        lines = (self.logs / "nginx-access.log").read_text().splitlines()
        return [
            {
                "request": line.split('"')[1],
                "status": line.split('" ')[1].split(" ")[0],
                "upstream": line.split("upstream=")[1].split(" upstream_status")[0].split(", ")[-1],
                "request_bytes": line.split("request_bytes=")[1],
            }
            for line in lines
            if proxy in line
        ]

    def upstreams(self, at_least: int = 0) -> list[str]:
        """The Rasa process (host:port) that answered each public request so far (nginx's access log).

        nginx writes a line once the response is sent: wait (briefly) for `at_least` lines.
        """
        public = f"port={self.env['PUBLIC_PORT']} "
        deadline = time.monotonic() + 5
        while True:
            lines = (self.logs / "nginx-access.log").read_text().splitlines()
            # the last address tried: after a refused connection nginx lists "first, second"
            served = [
                line.split("upstream=")[1].split(" upstream_status")[0].split(", ")[-1]
                for line in lines
                if public in line
            ]
            if len(served) >= at_least or time.monotonic() > deadline:
                return served
            time.sleep(0.1)


def _database(postgres_admin_url: str, name: str) -> None:
    """The account database (kept: the tests re-seed their customers); the tracker's, dropped.

    Every run starts its conversations afresh: with last run's still in the session (60 minutes),
    a question asked again is answered as a repeat (「我刚又查了一遍」), not as the journey's answer.
    run-prod.sh creates the tracker database again.
    """
    engine = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}_tracker" WITH (FORCE)'))
    engine.dispose()


def _model() -> bool:
    models = REPO_ROOT / "models"
    if not list(models.glob("*.tar.gz")) and CI:
        subprocess.run([str(REPO_ROOT / "scripts" / "train-if-needed.sh")], check=True, cwd=REPO_ROOT)
    return bool(list(models.glob("*.tar.gz")))


@pytest.fixture(scope="session")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    admin = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    pg = urlparse(admin.replace("+psycopg2", ""))
    # one pair of databases per port base: two suites on one machine need different ports anyway,
    # and with one name they re-seeded and dropped each other's conversations
    name = pg.path.lstrip("/") + f"_faults_{BASE}"
    try:
        _database(admin, name)
    except Exception as exc:  # pragma: no cover - environment problem
        pytest.fail(f"PostgreSQL at {admin} is not reachable ({exc}); run `make services`.")
    host, port = pg.hostname or "127.0.0.1", pg.port or 5432
    proxies = {
        "redis": FaultProxy(BASE + 30, "127.0.0.1", 6379),
        "rabbitmq": FaultProxy(BASE + 31, "127.0.0.1", 5672),
        "tracker": FaultProxy(BASE + 32, host, port),
        "accounts": FaultProxy(BASE + 33, host, port),
    }
    has_model = _model()
    work = tmp_path_factory.mktemp("prod")
    accounts = admin.rsplit("/", 1)[0] + "/" + name
    env = {
        **prod_topology.production_env(
            work, rasa_port=BASE, action_port=BASE + 10, proxy_port=BASE + 20, public_port=BASE + 21
        ),
        # the topology reaches the account database through its fault proxy; the tests read it directly
        "DATABASE_URL": make_url(accounts).set(host="127.0.0.1", port=BASE + 33).render_as_string(hide_password=False),
        "TRACKER_DB_HOST": "127.0.0.1",
        "TRACKER_DB_PORT": str(BASE + 32),
        "TRACKER_DB_NAME": name + "_tracker",
        "TRACKER_DB_USER": pg.username or "postgres",
        "TRACKER_DB_PASSWORD": pg.password or "",
        "REDIS_PORT": str(BASE + 30),
        "REDIS_DB": os.environ.get("FAULTS_REDIS_DB", "3"),
        "REDIS_PASSWORD": "",
        "RABBITMQ_PORT": str(BASE + 31),
        "RABBITMQ_PASSWORD": "guest",
        "RABBITMQ_EVENTS_QUEUE": f"faults_events_{os.getpid()}",
        "RABBITMQ_EXCHANGE": f"faults_events_{os.getpid()}.exchange",
        "BOT_EVENTS_EXCHANGE": f"faults_handoff_{os.getpid()}",  # handoff events: a topic exchange of the run's own
        "BOT_SERVICE_HOURS": "00:00-00:00",
    }
    env.pop("BOT_EVENTS_AMQP_URL", None)
    if not has_model:
        env.update({"PROD_ALLOW_NO_MODEL": "1", "MODEL": str(work / "no-model")})
        (work / "no-model").mkdir()
    try:
        proc = prod_topology.start(env, work)
    except prod_topology.TopologyDidNotStart as problem:
        pytest.fail(str(problem))
    tracker = admin.rsplit("/", 1)[0] + "/" + name + "_tracker"
    topo = Topology(proc, env, work, proxies, has_model, accounts, tracker, rasa_ports=[BASE, BASE + 1])
    yield topo
    prod_topology.stop(proc, 60)
    for proxy in proxies.values():
        proxy.close()
    prod_topology.delete_queue(env["RABBITMQ_EVENTS_QUEUE"], AMQP_URL, exchange=env["RABBITMQ_EXCHANGE"])
    prod_topology.delete_queue(helpdesk_queue(env), AMQP_URL, exchange=env["BOT_EVENTS_EXCHANGE"])


def wait_until(check: object, seconds: float, what: str) -> None:
    """Poll `check()` until true; fail saying `what` did not happen."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(f"{what} within {seconds:.0f} s")


def published_user_messages(
    queue: str, sender: str, since: float, wanted: Counter[str], seconds: float
) -> Counter[str]:
    """The user messages of `sender` since `since` that reached the run's event queue, counted.

    Reads (and so removes) what is in the queue until `wanted` has arrived or `seconds` have passed,
    then a moment longer, so a message sent twice shows up as twice.
    """
    import aio_pika

    async def drain() -> Counter[str]:
        got: Counter[str] = Counter()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
        async with connection:
            channel = await connection.channel()
            events = await channel.declare_queue(queue, durable=True)
            while loop.time() < deadline:
                message = await events.get(fail=False, no_ack=True)
                if message is None:
                    if got & wanted == wanted:
                        deadline = min(deadline, loop.time() + 2)
                    await asyncio.sleep(0.2)
                    continue
                event = json.loads(message.body)
                if event.get("event") == "user" and event.get("sender_id") == sender and event["timestamp"] >= since:
                    got[event.get("text")] += 1
        return got

    return run_async(drain())


def helpdesk_queue(env: dict[str, str]) -> str:
    """The queue a test binds to the run's handoff exchange, as a helpdesk would."""
    return env["BOT_EVENTS_EXCHANGE"] + ".helpdesk"


def bind_helpdesk_queue(env: dict[str, str]) -> None:
    """Declare the run's handoff exchange and a queue for every handoff event (before any is sent)."""
    import aio_pika

    async def bind() -> None:
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.declare_exchange(
                env["BOT_EVENTS_EXCHANGE"], aio_pika.ExchangeType.TOPIC, durable=True
            )
            queue = await channel.declare_queue(helpdesk_queue(env), durable=True)
            await queue.bind(exchange, routing_key="handoff.#")

    run_async(bind())


def helpdesk_events(env: dict[str, str], ticket_id: int, seconds: float) -> list[dict[str, Any]]:
    """The handoff events of `ticket_id` taken from the helpdesk queue, once the first came (or time ran out).

    Then a moment longer, so an event sent twice shows up as twice.
    """
    import aio_pika

    async def drain() -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(helpdesk_queue(env), durable=True)
            while loop.time() < deadline:
                message = await queue.get(fail=False, no_ack=True)
                if message is None:
                    if got:
                        deadline = min(deadline, loop.time() + 2)
                    await asyncio.sleep(0.2)
                    continue
                event = json.loads(message.body)
                if event["ticket"]["id"] == ticket_id:
                    got.append(event)
        return got

    return run_async(drain())
