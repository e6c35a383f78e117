"""The production topology (scripts/run-prod.sh) started once for the fault tests, on 16xxx ports.

Its Redis, RabbitMQ and tracker PostgreSQL are the machine's, reached through `FaultProxy`s
that the tests cut and restore. Without a trained model in models/ the topology starts without
one (PROD_ALLOW_NO_MODEL=1) and the tests that need conversations skip, except with CI=true,
where a missing model is trained first (as `make test` does anyway).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.config import REPO_ROOT
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
    engine = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
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
    name = pg.path.lstrip("/") + "_faults"
    try:
        _database(admin, name)
    except Exception as exc:  # pragma: no cover - environment problem
        pytest.fail(f"PostgreSQL at {admin} is not reachable ({exc}); run `make services`.")
    proxies = {
        "redis": FaultProxy(BASE + 30, "127.0.0.1", 6379),
        "rabbitmq": FaultProxy(BASE + 31, "127.0.0.1", 5672),
        "tracker": FaultProxy(BASE + 32, pg.hostname or "127.0.0.1", pg.port or 5432),
    }
    has_model = _model()
    work = tmp_path_factory.mktemp("prod")
    env = {
        **os.environ,
        "BOT_DEV_MODE": "false",
        "RASA_PORT_BASE": str(BASE),
        "ACTION_PORT_BASE": str(BASE + 10),
        "ACTION_PROXY_PORT": str(BASE + 20),
        "PUBLIC_PORT": str(BASE + 21),
        "PUBLIC_BIND": "127.0.0.1",
        "PROD_DIR": str(work),
        "DATABASE_URL": admin.rsplit("/", 1)[0] + "/" + name,
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
        "BOT_JWT_SECRET": secrets.token_hex(32),
        "BOT_ACTION_SECRET": secrets.token_hex(32),
        "RASA_AUTH_TOKEN": secrets.token_hex(16),
        "BOT_CONSOLE_SECRET": secrets.token_hex(32),
        "BOT_SERVICE_HOURS": "00:00-00:00",
    }
    env.pop("BOT_EVENTS_AMQP_URL", None)
    if not has_model:
        env.update({"PROD_ALLOW_NO_MODEL": "1", "MODEL": str(work / "no-model")})
        (work / "no-model").mkdir()
    out = work / "run-prod.out"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [str(REPO_ROOT / "scripts" / "run-prod.sh")],
            cwd=REPO_ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 900
    while "topology ready" not in out.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            pytest.fail(f"scripts/run-prod.sh did not start:\n{out.read_text(errors='replace')[-3000:]}")
        time.sleep(1)
    topo = Topology(proc, env, work, proxies, has_model, rasa_ports=[BASE, BASE + 1])
    yield topo
    _stop(proc)
    for proxy in proxies.values():
        proxy.close()
    _delete_queue(env["RABBITMQ_EVENTS_QUEUE"])


def _delete_queue(name: str) -> None:
    """The run's event queue (Rasa's broker declares it durable): not left on the shared RabbitMQ."""
    import aio_pika

    from tests.conftest import AMQP_URL, run_async

    async def delete() -> None:
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)

    try:
        run_async(delete())
    except Exception:  # tidying only: a broker that is down now has nothing to tidy
        pass


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


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
