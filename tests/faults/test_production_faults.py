"""Faults of the production topology: action servers or a Rasa process killed; the account database,
Redis, RabbitMQ or the tracker's PostgreSQL down.

The behaviour each test holds is the one docs/scaling.md ("When something fails") promises.
Run with `make test-faults` (the topology takes a minute or more to start).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, func, select, text

from benchmarks.load_checks import Exchange, StoredEvent, tracker_problems
from bot.config import REPO_ROOT
from bot.db import models as m
from bot.db.seed import reseed_demo
from bot.db.session import session_factory, session_scope
from bot.security.tokens import mint_token
from tests.environment import unavailable
from tests.faults.conftest import (
    Topology,
    bind_helpdesk_queue,
    helpdesk_events,
    published_user_messages,
    wait_until,
)
from tests.rendering import domain


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
    assert health.stdout.count("ok ") == 11, health.stdout
    assert "ok    handoff events  no handoff events waiting" in health.stdout


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


@pytest.mark.parametrize("service", ["redis", "rabbitmq", "tracker", "accounts"])
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
#
# Each fault is checked three ways: the user gets the polite reply meant for that fault (the domain's
# text, not just "something"); once the fault is over the conversation goes on where it was (the next
# message gets its journey's answer); and nothing is lost or stored twice: the tracker holds every
# message that ran exactly once, followed by exactly what the client got (benchmarks/load_checks.py),
# and the account database holds each confirmed change once with its audit row, nothing else.

RESPONSES = domain()["responses"]
PAUSE = '/pause_credit{"product":"huabei","duration":30}'  # the widget's 暂停 button
CONFIRM_ASKED = "确认把花呗暂停 30 天"
# what four more turns would add to a call that carried the whole session (a user message's parse
# data alone is a few KB): the last turn's calls must stay below the first turn's plus this
SESSION_GROWTH_BYTES = 4096
# a token is used for this long, then a new one is minted (they live 10 minutes)
TOKEN_REUSE_SECONDS = 300


def said(response: str) -> str:
    """The text of a domain response that has no parameters (what the user reads)."""
    (variant,) = RESPONSES[response]
    text: str = variant["text"]
    assert "{" not in text, response
    return text


class Conversation:
    """One customer's conversation through the public REST webhook, remembered for the integrity check."""

    def __init__(self, topology: Topology, customer: str) -> None:
        self.topology, self.customer = topology, customer
        self.started = time.time()
        self.exchanges: list[Exchange] = []
        self.ran: list[str] = []  # the messages whose turn ran (and so must be in the tracker)
        self._token: str | None = None
        self._minted = 0.0

    def send(self, message: str, *, runs: bool = True) -> list[dict[str, Any]]:
        """Send `message`; `runs=False` for a turn the fault stops before Rasa stores anything."""
        token = self.token()
        start = time.perf_counter()
        answer = requests.post(
            self.topology.public + "/webhooks/rest/webhook",
            json={"message": message},
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        assert answer.status_code == 200, answer.text
        replies: list[dict[str, Any]] = answer.json()
        texts = tuple(str(r["text"]) for r in replies if r.get("text"))
        if runs:  # a turn the fault stopped must not be stored at all (`assert_stored_once`)
            self.exchanges.append(Exchange(message, 200, texts, time.perf_counter() - start))
            self.ran.append(message)
        return replies

    def token(self) -> str:
        """The customer's token, kept while it is fresh, as an app keeps it (nginx hashes REST by it)."""
        if self._token is None or time.time() - self._minted > TOKEN_REUSE_SECONDS:
            self._token = mint_token(
                self.customer,
                secret=self.topology.env["BOT_JWT_SECRET"],
                issuer="credit-assistant",
                audience="credit-assistant-chat",
                ttl=timedelta(minutes=10),
            )
            self._minted = time.time()
        return self._token

    def say(self, message: str, *, runs: bool = True) -> str:
        return "\n".join(str(r.get("text") or "") for r in self.send(message, runs=runs))

    def assert_stored_once(self) -> None:
        """The tracker has exactly the turns that ran, in order, each with the replies the client got."""
        engine = create_engine(self.topology.tracker_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, type_name, timestamp, data FROM events"
                    " WHERE sender_id = :c AND timestamp >= :t ORDER BY id"
                ),
                {"c": self.customer, "t": self.started},
            ).all()
        engine.dispose()
        events = [StoredEvent(r.id, r.type_name, r.timestamp, json.loads(r.data)) for r in rows]
        assert tracker_problems(self.customer, self.exchanges, events) == []
        assert [e.data.get("text") for e in events if e.type_name == "user"] == self.ran


@pytest.fixture(scope="module")
def conversation(topology: Topology) -> Callable[[str], Conversation]:
    if not topology.has_model:
        unavailable("no trained model in models/ (the fault tests train one only with CI=true)")
    with session_scope(session_factory(topology.accounts_url)) as session:  # fresh demo customers
        reseed_demo(session, today=date.today())
    return lambda customer: Conversation(topology, customer)


def _changes(topology: Topology, customer: str, since: datetime) -> tuple[list[str], int]:
    """The customer's service requests (kinds) and `account_paused` audit rows since `since`."""
    with session_scope(session_factory(topology.accounts_url)) as session:
        kinds = session.execute(
            select(m.ServiceRequest.kind).where(
                m.ServiceRequest.customer_id == customer, m.ServiceRequest.created_at >= since
            )
        ).scalars()
        audits = session.execute(
            select(func.count()).where(
                m.AuditEntry.actor == f"customer:{customer}",
                m.AuditEntry.action == "account_paused",
                m.AuditEntry.at >= since,
            )
        ).scalar_one()
        return list(kinds), int(audits)


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


def test_a_conversations_action_calls_stay_on_one_action_server_and_carry_only_new_events(
    topology: Topology, conversation: Callable[[str], Conversation]
) -> None:
    c = conversation("demo_bound")
    turns: list[list[dict[str, str]]] = []
    for message in ("借呗能注销吗", "花呗呢", "借呗能注销吗", "花呗呢", "借呗能注销吗"):
        before = len(topology.action_calls())
        assert c.say(message)
        wait_until(lambda: len(topology.action_calls()) > before, 5, "nginx logged the turn's action calls")  # noqa: B023
        turns.append(topology.action_calls()[before:])
    calls = [call for turn in turns for call in turn]
    assert {call["request"] for call in calls} == {"POST /webhook/since HTTP/1.1"}
    assert {call["status"] for call in calls} == {"200"}  # nothing refused: the events were where they were sent
    assert len({call["upstream"] for call in calls}) == 1  # nginx hashes the conversation
    # each call carries its own turn's events, not the session so far: the customer's token keeps
    # the conversation on one Rasa process, which knows what it sent (a turn on the other process
    # would send the events since that one's last call: correct, larger). Rasa's domain (~70 KB)
    # travels at most in the first turn's calls; compared from the second turn on
    largest = [max(int(call["request_bytes"]) for call in turn) for turn in turns]
    assert largest[-1] < largest[1] + SESSION_GROWTH_BYTES, largest
    assert max(largest[1:]) < 40_000, largest  # no domain after the first turn
    c.assert_stored_once()


@contextmanager
def action_servers_down(topology: Topology) -> Iterator[None]:
    """Both action servers killed, and killed again whenever the supervisor restarts one, until the end."""
    ports = [int(topology.env["ACTION_PORT_BASE"]) + i for i in range(2)]
    done = threading.Event()

    def keep_down() -> None:
        while not done.is_set():
            for port in ports:
                try:
                    os.kill(topology.pid(f"actions-{port}"), signal.SIGKILL)
                except (ProcessLookupError, FileNotFoundError, ValueError):
                    pass  # already dead, or the supervisor is between two children
            done.wait(0.05)

    killer = threading.Thread(target=keep_down, daemon=True)
    killer.start()
    try:
        for port in ports:
            _wait_until_refused(port)
        yield
    finally:
        done.set()
        killer.join()
    proxy = f"http://127.0.0.1:{topology.env['ACTION_PROXY_PORT']}/health"
    wait_until(lambda: requests.get(proxy, timeout=5).ok, 180, "the action servers back behind nginx")


def test_action_servers_down_get_an_apology_and_the_conversation_goes_on(
    topology: Topology, conversation: Callable[[str], Conversation]
) -> None:
    c = conversation("demo_balance")
    since = datetime.now(UTC)
    with action_servers_down(topology):
        # Rasa's own handling said nothing here, then the channel's "我在。请问有什么可以帮您？"
        assert c.say("借呗能注销吗") == said("utter_try_again_later")
    reply = c.say("借呗能注销吗")  # restarted: the same question gets its answer
    assert "借呗现在还不能关闭" in reply and "¥3,256.80" in reply, reply
    c.assert_stored_once()
    assert _changes(topology, "demo_balance", since) == ([], 0)


def test_account_database_down_gets_a_handoff_offer_and_no_partial_change(
    topology: Topology, conversation: Callable[[str], Conversation]
) -> None:
    c = conversation("demo_bound")
    since = datetime.now(UTC)
    assert CONFIRM_ASKED in c.say(PAUSE)
    topology.proxies["accounts"].cut()
    try:
        (reply,) = c.send("/affirm")
    finally:
        topology.proxies["accounts"].restore()
    assert reply["text"] == said("utter_accounts_unavailable")
    assert [b["payload"] for b in reply.get("buttons") or []] == ["/request_human"]
    assert _changes(topology, "demo_bound", since) == ([], 0)  # nothing half-written
    # back: the customer asks again and confirms; the pause is stored once, with its audit row
    assert CONFIRM_ASKED in c.say(PAUSE)
    assert "花呗已经暂停" in c.say("/affirm")
    assert _changes(topology, "demo_bound", since) == (["pause"], 1)
    c.assert_stored_once()


def test_a_conversation_continues_after_its_rasa_process_is_killed(
    topology: Topology, conversation: Callable[[str], Conversation]
) -> None:
    c = conversation("demo_overdue")
    before = len(topology.upstreams())
    assert "逾期" in c.say("花呗能注销吗")
    serving = topology.upstreams(before + 1)[-1]
    os.kill(topology.pid(f"rasa-{serving.rsplit(':', 1)[1]}"), signal.SIGKILL)
    # A message nginx had already passed to the dying process gets a clean 502 (never replayed:
    # it may have been processed); the conversation goes on once the process is gone.
    _wait_until_refused(int(serving.rsplit(":", 1)[1]))
    # answered by the other process from the SQL tracker store: 「那借呗呢」 is read in the context
    # of the closing question before the kill
    reply = c.say("那借呗呢")
    assert topology.upstreams(before + 2)[-1] != serving
    assert "借呗" in reply and "关闭" in reply, reply
    c.assert_stored_once()


@pytest.mark.parametrize(
    ("service", "customer", "answer"),
    [("redis", "demo_instalment", "借呗现在还不能关闭"), ("tracker", "demo_refund", "符合关闭条件")],
)
def test_a_message_while_a_store_is_down_gets_a_polite_answer_and_the_next_one_works(
    topology: Topology, conversation: Callable[[str], Conversation], service: str, customer: str, answer: str
) -> None:
    c = conversation(customer)
    assert c.say("你好")
    topology.proxies[service].cut()
    try:
        # the turn never runs: no lock (Redis) or no conversation to read (PostgreSQL)
        assert c.say("借呗能注销吗", runs=False) == said("utter_try_again_later")
    finally:
        topology.proxies[service].restore()
    time.sleep(2)
    reply = c.say("借呗能注销吗")
    assert answer in reply, reply
    c.assert_stored_once()


def test_rabbitmq_down_does_not_stop_conversations(
    topology: Topology, conversation: Callable[[str], Conversation]
) -> None:
    c = conversation("demo_past_overdue")
    topology.proxies["rabbitmq"].cut()
    try:
        greeting = c.say("你好")
        reply = c.say("关闭花呗影响征信吗")
    finally:
        topology.proxies["rabbitmq"].restore()
    assert greeting and greeting not in (said("utter_message_failed"), said("utter_try_again_later"))
    assert "征信" in reply, reply
    c.assert_stored_once()
    # The analytics stream: what the broker kept during the outage is sent once it is back, once.
    wanted = Counter(["你好", "关闭花呗影响征信吗"])
    queue = topology.env["RABBITMQ_EVENTS_QUEUE"]
    assert published_user_messages(queue, c.customer, c.started, wanted, 90) == wanted


def test_a_ticket_opened_while_rabbitmq_is_down_reaches_the_helpdesk_once_it_is_back(
    topology: Topology, conversation: Callable[[str], Conversation]
) -> None:
    c = conversation("demo_clean")
    bind_helpdesk_queue(topology.env)
    topology.proxies["rabbitmq"].cut()
    try:
        replies = c.send("/request_human")  # the widget's 转人工 button
    finally:
        topology.proxies["rabbitmq"].restore()
    (handoff,) = (r["custom"]["handoff"] for r in replies if "handoff" in (r.get("custom") or {}))
    assert handoff["position"] >= 1, replies  # queued at once, RabbitMQ or not
    # kept in the account database, sent by a Rasa server's next round after the retry time
    events = helpdesk_events(topology.env, handoff["ticket_id"], 120)
    assert [e["event"] for e in events] == ["ticket_created"], events
    assert events[0]["ticket"]["conversation_id"] == "demo_clean"
    with session_scope(session_factory(topology.accounts_url)) as session:
        assert session.execute(select(func.count()).select_from(m.HandoffEventOutbox)).scalar_one() == 0
    c.assert_stored_once()


def test_zz_sigterm_stops_every_process(topology: Topology) -> None:
    pids = _processes(topology)
    topology.proc.send_signal(signal.SIGTERM)
    topology.proc.wait(60)
    wait_until(lambda: not any(_alive(pid) for pid in pids.values()), 30, "every process stopped")
    assert "==> stopped" in (topology.dir / "run-prod.out").read_text()
