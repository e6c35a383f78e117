"""End-to-end fixtures: the real action server and Rasa server on a seeded database.

Both servers start once per test session on their own ports (so a `make run`
on 5005/5055 does not interfere) with a fresh SQLite database; each test talks
through the REST channel and may inspect the same database.
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
from bot.db.migrate import upgrade_to_head
from bot.db.seed import reseed_demo
from bot.db.session import session_factory, session_scope

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


def _latest_model() -> Path:
    subprocess.run([str(REPO_ROOT / "scripts" / "train-if-needed.sh")], check=True, cwd=REPO_ROOT)
    return max((REPO_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)


@pytest.fixture(scope="session")
def e2e_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'bot.db'}"
    upgrade_to_head(url)
    return url


@pytest.fixture(scope="session")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development SMS outbox the action server writes one-time codes to."""
    return tmp_path_factory.mktemp("outbox") / "outbox.jsonl"


def last_code(outbox: Path, customer: str) -> str:
    """The latest one-time code sent to `customer` (what they would read on their phone)."""
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    return str([x for x in lines if x["customer_id"] == customer][-1]["code"])


# The secret the Rasa server sends and the action server requires (channels/action_server.py).
ACTION_SECRET = "e2e-action-secret-" + "x" * 32


@contextmanager
def running_servers(work: Path, env: dict[str, str], action_port: int, rasa_port: int) -> Iterator[str]:
    """Start the guarded action server and Rasa with the project's channels; yields Rasa's base URL."""
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://localhost:{action_port}/webhook"\n'
        f"  headers:\n    X-Action-Secret: {ACTION_SECRET}\n"
    )
    env = {
        **os.environ,
        "BOT_ACTION_SECRET": ACTION_SECRET,
        "PYTHONPATH": str(REPO_ROOT),
        # certificate links must point at this Rasa server
        "BOT_PUBLIC_URL": f"http://localhost:{rasa_port}",
        **env,
    }
    model = _latest_model()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        action_log = work / "actions.log"
        procs.append(_start([str(BIN / "python"), "-m", "channels.action_server", "--port", str(action_port)], env, action_log))
        _wait_for(f"http://localhost:{action_port}/health", procs[-1], action_log, 90)
        rasa_log = work / "rasa.log"
        procs.append(
            _start(
                [str(BIN / "rasa"), "run", "--enable-api", "--port", str(rasa_port), "--model", str(model),
                 "--credentials", str(REPO_ROOT / "credentials.yml"), "--endpoints", str(endpoints)],
                env,
                rasa_log,
            )
        )
        _wait_for(f"http://localhost:{rasa_port}/status", procs[-1], rasa_log, 480)  # slow on 2 busy cores
        yield f"http://localhost:{rasa_port}"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def servers(e2e_db: str, outbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start both servers in development mode; yields the REST webhook URL."""
    env = {"DATABASE_URL": e2e_db, "BOT_DEV_MODE": "true", "BOT_DEV_OUTBOX": str(outbox)}
    with running_servers(tmp_path_factory.mktemp("servers"), env, ACTION_PORT, RASA_PORT) as base:
        yield f"{base}/webhooks/rest/webhook"


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


@pytest.fixture
def db(e2e_db: str) -> sessionmaker:
    """The servers' database, re-seeded before each test."""
    factory = session_factory(e2e_db)
    with session_scope(factory) as session:
        reseed_demo(session, today=_business_today())
    return factory


def _business_today() -> date:
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
