"""Faults of the production topology: a Rasa process killed, Redis / RabbitMQ / tracker PostgreSQL down.

The behaviour each test holds is the one docs/scaling.md ("When something fails") promises.
Run with `make test-faults` (the topology takes a minute or more to start).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
import requests

from bot.config import REPO_ROOT
from bot.db.seed import ensure_seeded
from bot.db.session import session_factory, session_scope
from bot.security.tokens import mint_token
from tests.environment import unavailable
from tests.faults.conftest import Topology, wait_until


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _processes(topology: Topology) -> dict[str, int]:
    names = [f"rasa-{p}" for p in topology.rasa_ports]
    names += [f"actions-{int(topology.env['ACTION_PORT_BASE']) + i}" for i in range(2)] + ["nginx"]
    return {name: topology.pid(name) for name in names}


def test_every_process_and_service_is_healthy(topology: Topology) -> None:
    health = subprocess.run(
        [str(REPO_ROOT / "scripts" / "prod-health.sh")], env=topology.env, capture_output=True, text=True, timeout=60
    )
    assert health.returncode == 0, health.stdout + health.stderr
    assert health.stdout.count("ok ") == 10, health.stdout


def test_a_client_stays_on_one_rasa_process(topology: Topology) -> None:
    before = len(topology.upstreams())
    for _ in range(12):
        assert requests.get(topology.public + "/", timeout=10).ok
    served = topology.upstreams(before + 12)[before:]
    assert len(served) == 12 and len(set(served)) == 1, served  # socket.io long-polling needs this


def test_rasas_http_api_is_not_on_the_public_port(topology: Topology) -> None:
    token = {"token": topology.env["RASA_AUTH_TOKEN"]}
    assert requests.get(topology.public + "/status", params=token, timeout=10).status_code == 404
    assert requests.get(topology.public + "/conversations/x/tracker", params=token, timeout=10).status_code == 404
    assert requests.get(topology.public + "/webhooks/rest/", timeout=10).ok  # the channels are


def test_the_action_endpoint_goes_through_nginx_to_both_action_servers(topology: Topology) -> None:
    url = f"http://127.0.0.1:{topology.env['ACTION_PROXY_PORT']}"
    assert requests.get(url + "/health", timeout=10).ok
    # without the shared secret the action servers refuse, through nginx too
    refused = requests.post(url + "/webhook", json={"next_action": "action_listen"}, timeout=10)
    assert refused.status_code in (401, 403)


def test_a_killed_rasa_process_is_restarted_and_nginx_serves_meanwhile(topology: Topology) -> None:
    before = len(topology.upstreams())
    requests.get(topology.public + "/", timeout=10)
    serving = topology.upstreams(before + 1)[-1]
    name = f"rasa-{serving.rsplit(':', 1)[1]}"
    pid = topology.pid(name)
    os.kill(pid, signal.SIGKILL)
    # the next requests go to the other process at once: nginx skips the refused one
    for _ in range(5):
        assert requests.get(topology.public + "/", timeout=10).ok
    assert serving not in topology.upstreams(before + 6)[-5:]
    wait_until(lambda: any(name in line and f"pid {pid}" in line for line in topology.restarts()), 30, "restart logged")
    port = serving.rsplit(":", 1)[1]
    wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/", timeout=5).ok, 600, f"{name} back up")
    assert topology.pid(name) != pid


@pytest.mark.parametrize("service", ["redis", "rabbitmq", "tracker"])
def test_a_service_down_for_a_while_crashes_nothing(topology: Topology, service: str) -> None:
    before = _processes(topology)
    restarts = len(topology.restarts())
    topology.proxies[service].cut()
    try:
        time.sleep(8)
        for _ in range(3):
            assert requests.get(topology.public + "/", timeout=10).ok
    finally:
        topology.proxies[service].restore()
    assert {name: _alive(pid) for name, pid in before.items()} == dict.fromkeys(before, True)
    assert _processes(topology) == before
    assert len(topology.restarts()) == restarts


# ── with a trained model: real conversations ──


@pytest.fixture(scope="module")
def chat(topology: Topology) -> Any:
    if not topology.has_model:
        unavailable("no trained model in models/ (the fault tests train one only with CI=true)")
    factory = session_factory(topology.env["DATABASE_URL"])
    with session_scope(factory) as session:  # the demo customers, in this test's own account database
        ensure_seeded(session, today=__import__("datetime").date.today())

    def send(customer: str, message: str) -> list[dict[str, Any]]:
        token = mint_token(
            customer,
            secret=topology.env["BOT_JWT_SECRET"],
            issuer="credit-assistant",
            audience="credit-assistant-chat",
            ttl=timedelta(minutes=10),
        )
        answer = requests.post(
            topology.public + "/webhooks/rest/webhook",
            json={"message": message},
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        assert answer.status_code == 200, answer.text
        replies: list[dict[str, Any]] = answer.json()
        return replies

    return send


def _tracker(topology: Topology, customer: str) -> dict[str, Any]:
    # Rasa's HTTP API is not routed by the public nginx: ask a Rasa process (any: one tracker store)
    port = next(p for p in topology.rasa_ports if _answers(p))
    answer = requests.get(
        f"http://127.0.0.1:{port}/conversations/{customer}/tracker",
        params={"token": topology.env["RASA_AUTH_TOKEN"]},
        timeout=30,
    )
    assert answer.ok, answer.text
    tracker: dict[str, Any] = answer.json()
    return tracker


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=5).ok
    except requests.ConnectionError:  # a killed process still restarting
        return False


def _wait_until_refused(port: int, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return
        time.sleep(0.02)
    raise AssertionError(f"port {port} still accepts connections after the kill")


def _user_texts(tracker: dict[str, Any]) -> list[str]:
    return [e.get("text") or "" for e in tracker["events"] if e["event"] == "user"]


def test_a_conversation_continues_after_its_rasa_process_is_killed(topology: Topology, chat: Any) -> None:
    customer = "demo_balance"
    first = f"借呗能注销吗 {uuid.uuid4().hex[:4]}"
    before = len(topology.upstreams())
    assert chat(customer, first)
    serving = topology.upstreams(before + 1)[-1]
    os.kill(topology.pid(f"rasa-{serving.rsplit(':', 1)[1]}"), signal.SIGKILL)
    # A message nginx had already passed to the dying process gets a clean 502 (never replayed:
    # it may have been processed); the conversation goes on once the process is gone.
    _wait_until_refused(int(serving.rsplit(":", 1)[1]))
    assert chat(customer, "花呗呢")  # answered by the other process, from the SQL tracker store
    assert topology.upstreams(before + 2)[-1] != serving
    said = _user_texts(_tracker(topology, customer))
    assert said[-2:] == [first, "花呗呢"]


@pytest.mark.parametrize("service", ["redis", "tracker"])
def test_a_message_while_a_store_is_down_gets_a_polite_answer_and_the_next_one_works(
    topology: Topology, chat: Any, service: str
) -> None:
    customer = "demo_clean"
    topology.proxies[service].cut()
    try:
        replies = chat(customer, "我的注销申请到哪一步了")
    finally:
        topology.proxies[service].restore()
    assert replies and all(r.get("text") for r in replies)  # the channel's failure reply, not silence
    time.sleep(2)
    assert chat(customer, "你好")


def test_rabbitmq_down_does_not_stop_conversations(topology: Topology, chat: Any) -> None:
    topology.proxies["rabbitmq"].cut()
    try:
        assert chat("demo_overdue", "你好")
    finally:
        topology.proxies["rabbitmq"].restore()


def test_zz_sigterm_stops_every_process(topology: Topology) -> None:
    pids = _processes(topology)
    topology.proc.send_signal(signal.SIGTERM)
    topology.proc.wait(60)
    wait_until(lambda: not any(_alive(pid) for pid in pids.values()), 30, "every process stopped")
    assert "==> stopped" in (topology.dir / "run-prod.out").read_text()
