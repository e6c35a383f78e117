"""End-to-end fixtures: the real action server and Rasa server on a seeded database.

Both servers start once per test session on their own ports (so a `make run`
on 5005/5055 does not interfere) with a fresh SQLite database; each test talks
through the REST channel and may inspect the same database. The session fixtures
(`e2e_db`, `outbox`, `running`) live in tests/live_servers.py so the browser tests
share the same pair instead of starting a second one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.orm import sessionmaker

from bot.config import REPO_ROOT, Settings
from bot.db.seed import reseed_demo
from bot.db.session import session_factory, session_scope
from bot.security.console_auth import hash_password

ACTION_PORT = int(os.environ.get("E2E_ACTION_PORT", "15055"))
RASA_PORT = int(os.environ.get("E2E_RASA_PORT", "15005"))
BIN = Path(sys.executable).parent


def _wait_for(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: int) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not come up in {seconds}s:\n{log.read_text()[-3000:]}")


def latest_model() -> Path:
    """The newest trained model, trained first if the training inputs changed."""
    subprocess.run([str(REPO_ROOT / "scripts" / "train-if-needed.sh")], check=True, cwd=REPO_ROOT)
    return max((REPO_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)


def last_code(outbox: Path, customer: str) -> str:
    """The latest one-time code sent to `customer` (what they would read on their phone)."""
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    return str([x for x in lines if x["customer_id"] == customer][-1]["code"])


# The secret the Rasa server sends and the action server requires (channels/action_server.py).
ACTION_SECRET = "e2e-action-secret-" + "x" * 32
DEVELOPMENT_ACTION_URL = "http://localhost:5055/webhook"  # endpoints.yml's
# Console agents of the test servers: the hashed (production) form, a fast KDF for tests.
AGENTS = {"xiaowang": ("小王", "wang-secret-1"), "xiaoli": ("小李", "li-secret-2")}
AMQP_URL = os.environ.get("E2E_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
EVENTS_EXCHANGE = f"e2e.handoff.{os.getpid()}"


def _handoff_env() -> dict[str, str]:
    """Agents on duty round the clock, console logins, events to a per-run RabbitMQ exchange."""
    users = ",".join(f"{login}:{name}:{hash_password(pw, iterations=1000)}" for login, (name, pw) in AGENTS.items())
    return {
        "BOT_SERVICE_HOURS": "00:00-00:00",
        "BOT_AGENT_USERS": users,
        "BOT_CONSOLE_SECRET": "e2e-console-secret-" + "x" * 32,
        # publishing to a broker that is down only logs; tests/events checks the broker itself
        "BOT_EVENTS_AMQP_URL": AMQP_URL,
        "BOT_EVENTS_EXCHANGE": EVENTS_EXCHANGE,
    }


class Servers:
    """A running action server and Rasa server; the action server can be restarted with other settings."""

    def __init__(self, work: Path, env: dict[str, str], action_port: int, rasa_port: int) -> None:
        self.work, self.env, self.action_port = work, env, action_port
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.rasa_url = f"http://localhost:{rasa_port}"
        self.webhook = f"{self.rasa_url}/webhooks/rest/webhook"
        # the development endpoints `make run` uses (the project's tracker store, which puts the
        # turn-cost cuts and the action-failure apology in place), on this pair's action port
        self.endpoints = work / "endpoints.yml"
        development = (REPO_ROOT / "endpoints.yml").read_text()
        assert DEVELOPMENT_ACTION_URL in development, "endpoints.yml names another action server"
        self.endpoints.write_text(
            development.replace(DEVELOPMENT_ACTION_URL, f"http://localhost:{action_port}/webhook")
        )

    def start_actions(self, **overrides: str) -> None:
        log = self.work / "actions.log"
        # loopback only: development mode refuses any other address (bot/security/local_only.py)
        cmd = [
            str(BIN / "python"),
            "-m",
            "channels.action_server",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.action_port),
        ]
        self.procs["actions"] = _start(cmd, {**self.env, **overrides}, log)
        _wait_for(f"http://localhost:{self.action_port}/health", self.procs["actions"], log, 90)

    def start_rasa(self, model: Path) -> None:
        log = self.work / "rasa.log"
        port = self.rasa_url.rsplit(":", 1)[1]
        cmd = [
            str(BIN / "rasa"),
            "run",
            "--enable-api",
            "--interface",
            "127.0.0.1",
            "--port",
            port,
            "--model",
            str(model),
            "--credentials",
            str(REPO_ROOT / "credentials.yml"),
            "--endpoints",
            str(self.endpoints),
        ]
        # CORS as scripts/run.sh passes it: the widget's origins only (BOT_WIDGET_ORIGINS)
        origins = subprocess.run(
            [str(BIN / "python"), "-m", "bot.cli", "widget-origins"],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        cmd += ["--cors", *origins] if origins else []
        self.procs["rasa"] = _start(cmd, self.env, log)
        _wait_for(f"{self.rasa_url}/status", self.procs["rasa"], log, 480)  # slow on 2 busy cores

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        proc.terminate()
        try:
            # Sanic's graceful shutdown waits up to 15 s for open long-polls; nothing
            # here needs it, so a test pair gets 5 s.
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def serving(work: Path, env: dict[str, str], action_port: int, rasa_port: int) -> Iterator[Servers]:
    """Start the guarded action server and Rasa with the project's channels (and the agent console)."""
    env = {
        **os.environ,
        "BOT_ACTION_SECRET": ACTION_SECRET,
        "PYTHONPATH": str(REPO_ROOT),
        # certificate links must point at this Rasa server
        "BOT_PUBLIC_URL": f"http://localhost:{rasa_port}",
        # every test talks from 127.0.0.1, several as the same demo customer, faster than people type
        "BOT_RATE_LIMIT_SENDER": "600/60",
        "BOT_RATE_LIMIT_IP": "off",
        **_handoff_env(),
        **env,
    }
    model = latest_model()
    servers = Servers(work, env, action_port, rasa_port)
    try:
        servers.start_actions()
        servers.start_rasa(model)
        yield servers
    finally:
        for name in list(servers.procs):
            servers.stop(name)


@contextmanager
def running_servers(work: Path, env: dict[str, str], action_port: int, rasa_port: int) -> Iterator[str]:
    """`serving`, yielding Rasa's base URL."""
    with serving(work, env, action_port, rasa_port) as servers:
        yield servers.rasa_url


@pytest.fixture(scope="session")
def servers(running: Servers) -> str:
    """The REST webhook URL of the development servers."""
    return running.webhook


@pytest.fixture
def action_settings(running: Servers) -> Iterator[Any]:
    """Restart the action server with other settings for one test: action_settings(BOT_SERVICE_HOURS=...)."""
    changed = False

    def restart(**overrides: str) -> None:
        nonlocal changed
        running.stop("actions")
        running.start_actions(**overrides)
        changed = True

    yield restart
    if changed:
        running.stop("actions")
        running.start_actions()


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


@pytest.fixture
def db(e2e_db: str) -> sessionmaker:
    """The servers' database, re-seeded before each test."""
    factory = session_factory(e2e_db)
    with session_scope(factory) as session:
        reseed_demo(session, today=business_today())
    return factory


def business_today() -> date:
    """The action server's "today" (business timezone)."""
    # the action server's "today" (business timezone), so seeded due dates match its answers
    return datetime.now(Settings.from_env().zone).date()


class Chat:
    """One conversation through the REST channel."""

    def __init__(self, url: str, sender: str) -> None:
        self.url = url
        self.sender = sender

    def say(self, message: str) -> str:
        """Send a message; returns the bot's replies joined by newlines."""
        return "\n".join(m.get("text", "") for m in self.send(message))

    def send(self, message: str) -> list[dict[str, Any]]:
        response = requests.post(self.url, json={"sender": self.sender, "message": message}, timeout=60)
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()
        return replies


@pytest.fixture
def chat(servers: str, db: sessionmaker) -> Any:
    """Factory: chat("demo_balance") opens a conversation as that customer."""

    def open_chat(customer: str, fresh: bool = True) -> Chat:
        # A fresh conversation per test: restart it so earlier tests' slots don't leak.
        c = Chat(servers, customer)
        if fresh:
            c.send("/restart")
        return c

    return open_chat


class Console:
    """An agent's browser session on the console's JSON API."""

    def __init__(self, base: str) -> None:
        self.base = f"{base}/console/api"
        self.http = requests.Session()
        self.csrf = ""

    def login(self, login: str, password: str | None = None) -> requests.Response:
        password = AGENTS[login][1] if password is None else password
        resp = self.http.post(f"{self.base}/login", json={"login": login, "password": password}, timeout=10)
        if resp.ok:
            self.csrf = resp.json()["csrf"]
        return resp

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=10)

    def post(self, path: str, body: dict[str, Any] | None = None, *, csrf: bool = True) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        return self.http.post(self.base + path, json=body or {}, headers=headers, timeout=30)

    def ticket_for(self, conversation_id: str) -> dict[str, Any]:
        """The newest open ticket of a conversation, as the queue lists it."""
        rows = [t for t in self.get("/queue").json()["tickets"] if t["conversation_id"] == conversation_id]
        return max(rows, key=lambda t: t["id"])


@pytest.fixture
def console(running: Servers) -> Any:
    """Factory: console("xiaowang") is a logged-in agent session."""

    def open_console(login: str | None = None) -> Console:
        c = Console(running.rasa_url)
        if login:
            assert c.login(login).status_code == 200
        return c

    return open_console


def tracker_events(running: Servers, conversation_id: str) -> list[dict[str, Any]]:
    """The conversation's stored events since its last restart (earlier tests used the same ids)."""
    resp = requests.get(f"{running.rasa_url}/conversations/{conversation_id}/tracker", timeout=10)
    resp.raise_for_status()
    events: list[dict[str, Any]] = resp.json()["events"]
    restarts = [i for i, e in enumerate(events) if e["event"] == "restart"]
    return events[restarts[-1] :] if restarts else events
