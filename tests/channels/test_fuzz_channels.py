"""Property-based fuzzing of the REST and socket channels, in-process (issue 14, part 8).

The channels run as `rasa run` mounts them, with a stand-in for Rasa's message
handler that echoes, stays silent or fails as each case says (the real
assistant is `tests/e2e/test_fuzz_assistant.py`'s business). For any request:

- no 5xx, no exception out of a socket handler, and the widget's turn always ends;
- a request that is not a JSON object with a string message gets a clean 4xx
  with a JSON error body, and nothing reaches the assistant;
- a refused message (too long, blank, bad token) gets one polite reply and
  never reaches the assistant;
- a message that reached the assistant always gets a non-empty reply, even
  when the assistant said nothing or failed;
- what reaches the assistant is at most MAX_MESSAGE_CHARS characters with no
  lone surrogates or control characters, and a payload keeps only contract values.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from hypothesis import example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from bot.config import Settings
from bot.nlu.contract import _PAYLOAD, ENTITIES
from bot.security.message_limits import MAX_MESSAGE_CHARS, blank, clean_text
from bot.security.tokens import is_customer_id
from channels.rest import TokenRestInput
from channels.socket import TokenSocketIOInput
from tests.channels.serving import serving_in_thread
from tests.fuzzing import (
    EXTERNAL,
    PRODUCTS,
    Body,
    Issuer,
    authorization_headers,
    bad_tokens,
    budget,
    count,
    encode,
    hostile_texts,
    metadata_values,
    rest_bodies,
    timed,
    wrong_types,
)

pytestmark = pytest.mark.fuzz

SECRET = "fuzz-secret-" + "k" * 32
TRUSTED = Issuer(SECRET, Settings().jwt_issuer, Settings().jwt_audience)
MAX_BODY = Settings().max_request_bytes
DEMO = ["demo_balance", "demo_clean", "demo_overdue"]
senders = st.sampled_from(DEMO) | st.text(max_size=70) | wrong_types
MODES = st.sampled_from(["echo", "silent", "fail"])


@dataclass
class Assistant:
    """Stands in for Rasa's message handler: records what reaches it, then echoes, says nothing or fails."""

    mode: str = "echo"
    received: list[str] = field(default_factory=list)

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message.text or "")
        if self.mode == "fail":
            raise ValueError("the assistant failed")
        if self.mode == "echo":
            await message.output_channel.send_text_message(message.sender_id, f"echo {len(message.text or '')}")


def channel_settings(dev_mode: bool) -> Settings:
    # no rate limits: thousands of cases from one address and a few senders
    return Settings(dev_mode=dev_mode, jwt_secret=SECRET, sender_rate="off", ip_rate="off")


@dataclass
class Rest:
    url: str
    assistant: Assistant
    http: requests.Session
    dev_mode: bool


@pytest.fixture(scope="module", params=["development", "production"])
def rest(request: pytest.FixtureRequest) -> Iterator[Rest]:
    Sanic.test_mode = True
    assistant = Assistant()
    app = Sanic(f"fuzz_rest_{request.param}")
    dev_mode = request.param == "development"
    channel = TokenRestInput(settings=channel_settings(dev_mode))
    app.blueprint(channel.blueprint(assistant), url_prefix="/webhooks/rest")
    with serving_in_thread(app) as base, requests.Session() as http:
        yield Rest(f"{base}/webhooks/rest/webhook", assistant, http, dev_mode)


def post(
    rest: Rest, raw: bytes, headers: dict[str, str] | None = None, target: str = "REST channel"
) -> tuple[int, Any, list[str]]:
    """Send one body; the status, the JSON answer and what reached the assistant."""
    before = len(rest.assistant.received)
    with timed(target):
        response = rest.http.post(rest.url, data=raw, headers={"Content-Type": "application/json", **(headers or {})})
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.status_code, response.json(), rest.assistant.received[before:]


def assert_polite_refusal(answer: Any) -> None:
    """A 4xx answer: a JSON error object, or one polite system message saying why."""
    if isinstance(answer, dict):
        assert isinstance(answer.get("error"), str) and answer["error"]
        return
    [message] = answer
    assert message["sender"] == "system" and message["text"].strip()
    assert "{" not in message["text"]
    assert message.get("refused") or message.get("auth_error")


def assert_answered(answer: Any) -> None:
    assert isinstance(answer, list) and answer, "a message that reached the assistant got an empty reply"
    assert all(str(m.get("text") or "").strip() for m in answer)


def assert_clean(text: str) -> None:
    """What may reach the assistant: bounded, encodable, no control characters, contract payload values only."""
    assert 0 < len(text) <= MAX_MESSAGE_CHARS and not blank(text)
    assert clean_text(text) == text
    text.encode("utf-8")
    match = _PAYLOAD.match(text.strip()) if text.strip().startswith("/") else None
    if match and match["entities"]:
        entities = json.loads(match["entities"])
        assert set(entities) <= set(ENTITIES)
        for name, value in entities.items():
            for item in value if isinstance(value, list) else [value]:
                assert item in PRODUCTS + EXTERNAL or name in {"service", "duration", "request_kind"}, (name, item)


def expected_status(body: Body, dev_mode: bool) -> int | None:
    """The status a request without a token must get (None: some 4xx)."""
    if len(body.raw) > MAX_BODY:
        return 413
    if body.message is None:
        return None
    if not dev_mode or not (isinstance(body.sender, str) and is_customer_id(body.sender)):
        return 401  # production: no token; development: a sender that is no customer id
    text = clean_text(body.message)
    if len(text) > MAX_MESSAGE_CHARS:
        return 413
    return 400 if blank(text) else 200


@hsettings(max_examples=budget(400))
@given(body=rest_bodies(senders), mode=MODES)
@example(
    body=Body(encode({"sender": "demo_balance", "message": "/restart"}), "/restart", "demo_balance"), mode="silent"
)
@example(body=Body(encode({"sender": "demo_balance", "message": "\ud800"}), "\ud800", "demo_balance"), mode="fail")
@example(body=Body(b"[" * 100_000, None), mode="echo")
def test_rest_answers_every_request_cleanly(rest: Rest, body: Body, mode: str) -> None:
    count("REST channel")
    rest.assistant.mode = mode
    status, answer, reached = post(rest, body.raw)
    if status >= 400:
        assert reached == [], "a refused request reached the assistant"
        assert_polite_refusal(answer)
    else:
        assert status == 200 and len(reached) == 1
        assert_clean(reached[0])
        assert_answered(answer)
    wanted = expected_status(body, rest.dev_mode)
    assert status == wanted if wanted is not None else 400 <= status < 500, status


@hsettings(max_examples=budget(150))
@given(data=st.data(), text=hostile_texts, metadata=metadata_values, mode=MODES)
def test_rest_refuses_every_bad_token_politely(
    rest: Rest, data: st.DataObject, text: str, metadata: Any, mode: str
) -> None:
    rest.assistant.mode = mode
    token = data.draw(bad_tokens(TRUSTED))
    header = data.draw(authorization_headers(token) | st.just(""))
    count("REST channel (tokens)")  # after the draws: a case hypothesis discards while drawing is not run
    status, answer, reached = post(
        rest, encode({"message": text, "metadata": metadata}), {"Authorization": header}, "REST channel (tokens)"
    )
    assert reached == [] and 400 <= status < 500
    assert_polite_refusal(answer)


@hsettings(max_examples=budget(60))
@given(text=hostile_texts, mode=MODES, customer=st.sampled_from(DEMO))
def test_rest_with_a_valid_token_answers_whatever_the_text(rest: Rest, text: str, mode: str, customer: str) -> None:
    count("REST channel (tokens)")
    rest.assistant.mode = mode
    token = TRUSTED.sign(TRUSTED.claims(customer))
    status, answer, reached = post(
        rest, encode({"message": text}), {"Authorization": f"Bearer {token}"}, "REST channel (tokens)"
    )
    cleaned = clean_text(text)
    if len(cleaned) > MAX_MESSAGE_CHARS or blank(cleaned):
        assert status in {400, 413} and reached == []
        assert_polite_refusal(answer)
    else:
        assert status == 200 and len(reached) == 1
        assert_clean(reached[0])
        assert_answered(answer)


# ── socket.io ─────────────────────────────────────────────────────────


@dataclass
class Widget:
    """The socket channel's handlers, driven as socket.io would (sessions and emits faked, no network)."""

    channel: TokenSocketIOInput
    assistant: Assistant
    loop: asyncio.AbstractEventLoop
    emitted: list[tuple[str, Any]] = field(default_factory=list)

    def call(self, event: str, *args: Any) -> Any:
        sio = self.channel.sio
        assert sio is not None
        return self.loop.run_until_complete(sio.handlers["/"][event](*args))


@pytest.fixture(scope="module", params=["development", "production"])
def widget(request: pytest.FixtureRequest) -> Iterator[Widget]:
    channel = TokenSocketIOInput(settings=channel_settings(request.param == "development"))
    assistant = Assistant()
    channel.blueprint(assistant)
    sio = channel.sio
    assert sio is not None
    loop = asyncio.new_event_loop()
    widget = Widget(channel, assistant, loop)
    sessions: dict[str, dict[str, Any]] = {}
    environ = {"sanic.request": SimpleNamespace(remote_addr="", ip="10.0.0.1", app=None)}

    async def get_session(sid: str, namespace: str | None = None) -> dict[str, Any]:
        return sessions.setdefault(sid, {})

    async def save_session(sid: str, session: dict[str, Any], namespace: str | None = None) -> None:
        sessions[sid] = session

    async def emit(event: str, data: Any, room: str | None = None, **_: Any) -> None:
        widget.emitted.append((event, data))

    async def enter_room(sid: str, room: str, namespace: str | None = None) -> None:
        return None

    sio.get_session = get_session
    sio.save_session = save_session
    sio.emit = emit
    sio.enter_room = enter_room
    sio.get_environ = lambda sid, namespace=None: environ
    try:
        yield widget
    finally:
        for timer in channel._timers.values():
            timer.cancel()
        loop.close()


def socket_events(data_strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return data_strategy | st.none() | st.text(max_size=20) | st.lists(wrong_types, max_size=2)


message_events = st.fixed_dictionaries(
    {"message": hostile_texts | wrong_types},
    optional={"session_id": senders, "metadata": metadata_values, "token": st.text(max_size=40) | wrong_types},
)


@hsettings(max_examples=budget(300))
@given(data=socket_events(message_events), mode=MODES, sid=st.sampled_from(["sid-1", "sid-2"]))
@example(data={"message": "/session_start", "session_id": "demo_balance"}, mode="silent", sid="sid-1")
@example(data={"message": "\ud800\udc00\ud800", "session_id": "demo_balance"}, mode="fail", sid="sid-1")
def test_the_socket_answers_every_message_and_always_ends_the_turn(
    widget: Widget, data: Any, mode: str, sid: str
) -> None:
    count("socket channel")
    widget.assistant.mode = mode
    before, reached_before = len(widget.emitted), len(widget.assistant.received)
    with timed("socket channel"):
        widget.call("user_uttered", sid, data)  # never raises
    emitted = widget.emitted[before:]
    reached = widget.assistant.received[reached_before:]
    assert emitted and emitted[-1][0] == "bot_turn_done", "the widget's typing indicator would never stop"
    said = [payload for event, payload in emitted if event == "bot_uttered"]
    message = data.get("message") if isinstance(data, dict) else None
    if reached:
        [text] = reached
        assert_clean(text)
        assert said and all(str(m.get("text") or "").strip() for m in said), "reached the assistant, got silence"
    else:
        # refused (too long, blank, no usable identity): one polite system message; no text at all: nothing to answer
        assert len(said) == (1 if isinstance(message, str) else len(said)) and len(said) <= 1
        for refusal in said:
            assert refusal["sender"] == "system" and refusal["text"]
            assert refusal.get("refused") or refusal.get("auth_error")


@hsettings(max_examples=budget(100))
@given(data=st.data(), shape=st.sampled_from(["token", "odd"]))
def test_the_socket_refuses_connections_with_bad_tokens_politely(
    widget: Widget, data: st.DataObject, shape: str
) -> None:
    auth = {"token": data.draw(bad_tokens(TRUSTED))} if shape == "token" else data.draw(socket_events(st.nothing()))
    count("socket channel (tokens)")  # after the draws: a case hypothesis discards while drawing is not run
    environ = {"sanic.request": SimpleNamespace(app=None)}
    dev_mode = widget.channel.settings.dev_mode
    with timed("socket channel (tokens)"):
        try:
            accepted = widget.call("connect", "sid-c", environ, auth)
        except SocketRefused as refused:
            message, details = refused.error_args["message"], refused.error_args["data"]
            assert message.startswith("token ") and details["auth_error"] in {"missing", "invalid", "expired"}
            return
    # development mode lets a connection without a token in (it names its sender later); never one with a bad token
    assert accepted is True and dev_mode and not (isinstance(auth, dict) and auth.get("token"))
