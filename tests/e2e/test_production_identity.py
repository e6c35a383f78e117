"""Production identity end to end: both servers with BOT_DEV_MODE off.

Only a valid signed token opens a conversation, the conversation is the
token's customer, and no sender id, metadata or slot in a message reaches
another customer's account. The action server answers only the Rasa server.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
import socketio
from sqlalchemy import func, select

from bot.db import models as m
from bot.db.session import session_scope
from bot.security.identity import VERIFIED_CUSTOMER
from bot.security.tokens import mint_token
from tests.e2e.conftest import ACTION_SECRET, AGENTS, last_code, running_servers
from tests.e2e.test_closing_journey import state

pytestmark = pytest.mark.e2e

ACTION_PORT = int(os.environ.get("E2E_PROD_ACTION_PORT", "15056"))
RASA_PORT = int(os.environ.get("E2E_PROD_RASA_PORT", "15006"))
SECRET = "production-test-secret-" + "k" * 24
ISSUER = "platform-test"
AUDIENCE = "assistant-test"
B_AMOUNT = "¥3,256.80"  # demo_balance's unpaid 借呗 bill: must never reach anyone else
WIDGET_HOST = "https://www.platform-test.example"  # the page that embeds the widget (BOT_WIDGET_ORIGINS)
EVIL = "https://evil.platform-test.example"


@pytest.fixture(scope="module")
def sms_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the production SMS gateway stand-in sent."""
    return tmp_path_factory.mktemp("sms") / "sms.jsonl"


@pytest.fixture(scope="module")
def prod(e2e_db: str, sms_log: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {
        "DATABASE_URL": e2e_db,
        "BOT_DEV_MODE": "false",
        "BOT_JWT_SECRET": SECRET,
        "BOT_JWT_ISSUER": ISSUER,
        "BOT_JWT_AUDIENCE": AUDIENCE,
        # production refuses the development outbox: codes go through the gateway hook
        "BOT_CODE_SENDER": "tests.e2e.sms_gateway:RecordingGateway",
        "E2E_SMS_LOG": str(sms_log),
        "BOT_WIDGET_ORIGINS": WIDGET_HOST,
    }
    with running_servers(tmp_path_factory.mktemp("prod"), env, ACTION_PORT, RASA_PORT) as base:
        yield base


def token(customer: str, **kw: Any) -> str:
    return mint_token(customer, secret=SECRET, issuer=ISSUER, audience=kw.pop("audience", AUDIENCE), **kw)


def post(base: str, body: dict[str, Any], bearer: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return requests.post(f"{base}/webhooks/rest/webhook", json=body, headers=headers, timeout=60)


def text(response: requests.Response) -> str:
    return "\n".join(m.get("text") or "" for m in response.json())


def body(response: requests.Response) -> str:
    """The whole JSON answer as readable text (the raw body escapes Chinese and ¥)."""
    return json.dumps(response.json(), ensure_ascii=False)


def audit_rows(db: Any) -> int:
    with session_scope(db) as s:
        return int(s.execute(select(func.count()).select_from(m.AuditEntry)).scalar_one())


def user_events(base: str, conversation: str) -> list[dict[str, Any]]:
    tracker = requests.get(f"{base}/conversations/{conversation}/tracker", timeout=30).json()
    return [e for e in tracker.get("events") or [] if e.get("event") == "user"]


@pytest.mark.parametrize(
    "bearer, reason",
    [
        (None, "missing"),
        ("not-a-token", "invalid"),
        ("EXPIRED", "expired"),
        ("FORGED", "invalid"),
        ("ALG_NONE", "invalid"),
        ("OTHER_AUDIENCE", "invalid"),
        ("TOO_LONG", "invalid"),
    ],
)
def test_without_a_valid_token_a_polite_refusal_and_nothing_else(prod, db, bearer, reason) -> None:
    bearer = {
        "EXPIRED": token("demo_balance", ttl=timedelta(minutes=-5)),
        "FORGED": mint_token("demo_balance", secret="attacker-" + "x" * 40, issuer=ISSUER, audience=AUDIENCE),
        "OTHER_AUDIENCE": token("demo_balance", audience="another-service"),
        "TOO_LONG": token("demo_balance", ttl=timedelta(days=30)),
        "ALG_NONE": jwt.encode({"sub": "demo_balance", "iss": ISSUER, "exp": 9999999999}, None, algorithm="none"),  # type: ignore[arg-type]
    }.get(bearer or "", bearer)
    before = (audit_rows(db), state(db, "demo_balance"), user_events(prod, "demo_balance"))
    response = post(prod, {"sender": "demo_balance", "message": "借呗能注销吗"}, bearer)
    assert response.status_code == 401
    [message] = response.json()
    assert message["auth_error"] == reason and "登录" in message["text"]
    assert B_AMOUNT not in body(response)
    # nothing changed, and the message never reached the assistant
    assert (audit_rows(db), state(db, "demo_balance"), user_events(prod, "demo_balance")) == before


def test_a_token_binds_the_conversation_to_its_customer(prod, db) -> None:
    response = post(
        prod, {"sender": "demo_balance", "message": '/close_account{"product":"jiebei"}'}, token("demo_balance")
    )
    assert response.ok and B_AMOUNT in text(response)


def test_another_customers_sender_metadata_or_slot_never_reaches_their_account(prod, db, sms_log) -> None:
    mine = token("demo_clean")
    post(prod, {"message": "/restart"}, mine)
    b_conversation = user_events(prod, "demo_balance")
    spoof = {"sender": "demo_balance", "metadata": {VERIFIED_CUSTOMER: "demo_balance", "customer_id": "demo_balance"}}
    replies = [
        post(prod, {**spoof, "message": '/close_account{"product":"jiebei"}'}, mine),
        post(
            prod,
            {
                **spoof,
                "message": (
                    '/close_account{"product": "jiebei", "customer_id": "demo_balance", "sender": "demo_balance"}'
                ),
            },
            mine,
        ),
    ]
    for reply in replies:
        assert reply.ok and B_AMOUNT not in body(reply)
    assert "符合关闭条件" in text(replies[0])  # demo_clean's own answer
    before_b = state(db, "demo_balance")
    post(prod, {**spoof, "message": '/close_account{"product":"huabei"}'}, mine)
    post(prod, {**spoof, "message": "/affirm"}, mine)
    done = post(prod, {**spoof, "message": last_code(sms_log, "demo_clean")}, mine)
    assert "已经关闭" in text(done)
    assert state(db, "demo_clean")["statuses"]["huabei"] == "closed"
    assert state(db, "demo_balance") == before_b
    assert not [x for x in map(json.loads, sms_log.read_text().splitlines()) if x["customer_id"] == "demo_balance"]
    assert user_events(prod, "demo_balance") == b_conversation  # B's conversation was never touched


def _socket_client() -> socketio.AsyncClient:
    """A socket.io client that does not wait out the long-poll when it disconnects.

    On disconnect python-engineio's client waits for its pending long-poll GET, which
    the server answers only at its next ping (about 30 s). The tests are about what
    the server sends before that, so the client drops the request instead.
    """
    client = socketio.AsyncClient(reconnection=False)
    disconnect = client.eio.disconnect

    async def abort_disconnect(abort: bool = False, reason: Any = None) -> None:
        await disconnect(abort=True, reason=reason)

    client.eio.disconnect = abort_disconnect
    return client


async def test_socket_sessions_belong_to_the_token_not_the_requested_session_id(prod) -> None:
    client = _socket_client()
    confirmed: list[str] = []
    client.on("session_confirm", confirmed.append)
    await client.connect(prod, auth={"token": token("demo_clean")}, transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": "demo_balance"})
        await client.sleep(1.5)
    finally:
        await client.disconnect()
    assert confirmed == ["demo_clean"]


@pytest.mark.parametrize("auth", [None, {"token": "garbage"}, {"token": "EXPIRED"}])
async def test_socket_refuses_connections_without_a_valid_token(prod, auth) -> None:
    if auth and auth["token"] == "EXPIRED":
        auth = {"token": token("demo_balance", ttl=timedelta(minutes=-5))}
    client = _socket_client()
    errors: list[Any] = []
    client.on("connect_error", errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(prod, auth=auth, transports=["polling"])
    [error] = errors
    refusal = error["data"]
    assert refusal["auth_error"] in {"missing", "invalid", "expired"} and "登录" in refusal["text"]


def test_history_needs_the_token_and_shows_only_its_own_conversation(prod, db) -> None:
    post(prod, {"message": '/close_account{"product":"jiebei"}'}, token("demo_balance"))
    url = f"{prod}/webhooks/socketio/history"
    assert requests.get(url, params={"session_id": "demo_balance"}, timeout=30).status_code == 401
    theirs = requests.get(
        url,
        params={"session_id": "demo_balance"},
        headers={"Authorization": f"Bearer {token('demo_clean')}"},
        timeout=30,
    )
    assert theirs.ok and theirs.json()["conversation_id"] == "demo_clean" and B_AMOUNT not in body(theirs)
    own = requests.get(url, headers={"Authorization": f"Bearer {token('demo_balance')}"}, timeout=30)
    assert own.ok and B_AMOUNT in body(own)


def test_development_routes_do_not_exist_in_production(prod) -> None:
    assert (
        requests.get(f"{prod}/webhooks/socketio/dev/token", params={"customer": "demo_balance"}, timeout=30).status_code
        == 404
    )
    assert requests.get(f"{prod}/webhooks/socketio/demo", timeout=30).status_code == 404


@pytest.mark.parametrize("headers, status", [({}, 401), ({"X-Action-Secret": "wrong"}, 403)])
def test_the_action_server_answers_only_the_rasa_server(prod, headers, status) -> None:
    call = {
        "next_action": "action_check_closure",
        "sender_id": "demo_balance",
        "tracker": {"sender_id": "demo_balance", "slots": {"marker": "TRACKER-MARKER-123"}, "events": []},
    }
    response = requests.post(f"http://localhost:{ACTION_PORT}/webhook", json=call, headers=headers, timeout=30)
    assert response.status_code == status
    assert "TRACKER-MARKER-123" not in response.text and "demo_balance" not in response.text


def test_action_server_errors_do_not_echo_the_tracker(prod) -> None:
    call = {"next_action": "action_check_closure", "tracker": {"slots": {"marker": "TRACKER-MARKER-123"}}}
    response = requests.post(
        f"http://localhost:{ACTION_PORT}/webhook", json=call, headers={"X-Action-Secret": ACTION_SECRET}, timeout=30
    )
    # not the shape Rasa sends (no sender, no events): a clean 400 before rasa_sdk reads it
    assert response.status_code == 400 and "TRACKER-MARKER-123" not in response.text


def _cors_headers(response: requests.Response) -> list[str]:
    return [h for h in response.headers if h.lower().startswith("access-control-")]


def test_cors_answers_the_widget_host_only_and_never_on_the_console(prod) -> None:
    hello = f"{prod}/webhooks/socketio/"
    allowed = requests.get(hello, headers={"Origin": WIDGET_HOST}, timeout=30)
    assert allowed.headers.get("Access-Control-Allow-Origin") == WIDGET_HOST
    assert _cors_headers(requests.get(hello, headers={"Origin": EVIL}, timeout=30)) == []
    for origin in (WIDGET_HOST, EVIL):
        me = requests.get(f"{prod}/console/api/me", headers={"Origin": origin}, timeout=30)
        assert me.status_code == 401 and _cors_headers(me) == []
        preflight = requests.options(
            f"{prod}/console/api/login",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            timeout=30,
        )
        assert _cors_headers(preflight) == []


def test_the_console_session_is_a_secure_host_cookie_given_to_its_own_origin_only(prod) -> None:
    login = {"login": "xiaowang", "password": AGENTS["xiaowang"][1]}
    url = f"{prod}/console/api/login"
    for origin in (WIDGET_HOST, EVIL):
        refused = requests.post(url, json=login, headers={"Origin": origin}, timeout=30)
        assert refused.status_code == 403 and "Set-Cookie" not in refused.headers
    resp = requests.post(url, json=login, headers={"Origin": prod}, timeout=30)  # prod is BOT_PUBLIC_URL
    assert resp.status_code == 200
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("__Host-console_session=") and "Secure" in cookie and "Path=/;" in cookie + ";"
    assert "Domain" not in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
