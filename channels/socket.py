"""Socket.io input channel bound to the signed customer token (the web widget's channel).

The widget connects to /socket.io with `auth: {token}`. The token is checked
when the connection opens and again with every message (a message may carry
a fresher token). The conversation id is the verified customer's id, so a
client-chosen `session_id` cannot open someone else's conversation; message
metadata is rebuilt from the token. In development mode a connection without
a token keeps Rasa's stock behaviour (the client's session id is the sender).

A socket stays in its customer's room (where replies and agent messages go)
only while its token is valid: at the token's `exp` it is taken out of the
room and told its login expired, and every delivery to a room first removes
sockets whose token has expired. A message carrying a fresh token puts the
socket back.

Besides socket.io the blueprint (/webhooks/socketio/...) carries the widget's
routes (channels/widget_routes.py). Registered in credentials.yml
as `channels.socket.TokenSocketIOInput`; registers the live deliverer
(channels.live) for agent messages.

A message over MAX_MESSAGE_CHARS, a blank one, or one from a client or
sender over its rate, gets one polite system message and never reaches the
assistant (channels/limits.py); engine.io refuses request bodies over
BOT_MAX_REQUEST_BYTES. The text loses lone surrogates, control characters
and bidirectional overrides first; entity values outside the contract are
dropped from `/intent{...}` payloads (bot.nlu.contract). A message event
without a text message ends the turn (`bot_turn_done`) and nothing else; a
turn in which the assistant said nothing or failed still gets one polite
reply (bot.security.no_silence).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncServer
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from bot.config import Settings
from bot.core.catalog import load_catalog
from bot.nlu.contract import clean_payload
from bot.security.message_limits import Refusal, clean_text
from bot.security.tokens import TokenError
from channels import live
from channels.auth import Identity, identify, refusal
from channels.failures import failure_fields, is_outage
from channels.limits import client_ip, gate_for, limit_request_size, refusal_message, silence_text
from channels.widget_routes import add_widget_routes

logger = structlog.get_logger()
TURN_DONE_EVT = "bot_turn_done"


class WidgetOutput(SocketIOOutput):
    """Rasa's socket output with the widget's message shape: sender, timestamp, buttons, custom.

    `before_send(room)` runs before each message (the channel's removal of expired sockets).
    """

    def __init__(
        self, sio: AsyncServer, bot_message_evt: str, before_send: Callable[[str], Awaitable[None]] | None = None
    ) -> None:
        super().__init__(sio, bot_message_evt)
        self.before_send = before_send
        self.sent = 0  # messages sent through this output (a turn that sent none gets a reply of the channel's)

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        if self.before_send is not None:
            await self.before_send(socket_id)
        await self.sio.emit(
            self.bot_message_evt, {"sender": "bot", "timestamp": time.time(), **response}, room=socket_id
        )

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        parts = [p for p in text.strip().split("\n\n") if p] or [""]
        for part in parts[:-1]:
            await self._send_message(recipient_id, {"text": part})
        clean = [{"title": b.get("title"), "payload": b.get("payload")} for b in buttons]
        await self._send_message(recipient_id, {"text": parts[-1], "buttons": clean})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class TokenSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with token-bound conversations."""

    @classmethod
    def name(cls) -> str:
        # Same name as the stock channel: socket.io at /socket.io, routes under /webhooks/socketio.
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenSocketIOInput:
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(
        self,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        socketio_path: str = "/socket.io",
        settings: Settings | None = None,
    ) -> None:
        super().__init__(user_message_evt, bot_message_evt, None, True, socketio_path)
        self.settings = settings or Settings.from_env()
        self.settings.require_channel_secrets()
        self.gate = gate_for(self.settings)
        self.catalog = load_catalog()
        # When each token-verified socket's token expires (epoch seconds), and the timer that takes it out then.
        self.clock: Callable[[], float] = time.time
        self._expires: dict[str, float] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def get_output_channel(self) -> WidgetOutput | None:
        """Output to the widget(s) of a conversation (used by Rasa's HTTP API, e.g. reminders)."""
        return WidgetOutput(self.sio, self.bot_message_evt, self._remove_expired) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Socket.io events plus the widget, history and (development) demo routes."""
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=[],
            max_http_buffer_size=self.settings.max_request_bytes,
        )
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        limit_request_size(bp, self.settings.max_request_bytes)
        self.sio = sio
        self._socket_events(sio, on_new_message)
        add_widget_routes(bp, self._identify, self.settings)
        live.register(self._deliverer(sio))
        return bp

    def _deliverer(self, sio: AsyncServer) -> live.Deliverer:
        async def deliver(conversation_id: str, message: dict[str, Any]) -> bool:
            await self._remove_expired(conversation_id)
            if not any(True for _ in sio.manager.get_participants("/", conversation_id)):
                return False
            await sio.emit(self.bot_message_evt, {"timestamp": time.time(), **message}, room=conversation_id)
            return True

        return deliver

    async def _admit(self, sio: AsyncServer, sid: str, who: Identity) -> None:
        """Put the socket in its conversation's room until its token expires (no token, development: no limit)."""
        await sio.enter_room(sid, who.sender_id)
        if who.verified is None:
            return
        self._expires[sid] = who.verified.expires_at.timestamp()
        self._schedule_expiry(sio, sid, who.sender_id)

    def _schedule_expiry(self, sio: AsyncServer, sid: str, room: str) -> None:
        if (timer := self._timers.pop(sid, None)) is not None:
            timer.cancel()
        delay = max(0.0, self._expires[sid] - self.clock())
        self._timers[sid] = asyncio.get_running_loop().call_later(
            delay, lambda: asyncio.ensure_future(self._expire(sio, sid, room))
        )

    async def _expire(self, sio: AsyncServer, sid: str, room: str) -> None:
        self._timers.pop(sid, None)
        if sid not in self._expires:
            return  # gone already
        if self._expires[sid] <= self.clock():
            await self._leave(sio, sid, room)
        else:
            self._schedule_expiry(sio, sid, room)  # a fresher token arrived, or the timer fired a hair early

    async def _remove_expired(self, room: str) -> None:
        """Take every socket whose token has expired out of `room` before something is delivered there."""
        if self.sio is None:
            return
        now = self.clock()
        for sid, _ in list(self.sio.manager.get_participants("/", room)):
            if sid in self._expires and self._expires[sid] <= now:
                await self._leave(self.sio, sid, room)

    async def _leave(self, sio: AsyncServer, sid: str, room: str) -> None:
        self._forget(sid)
        await sio.leave_room(sid, room)
        logger.info("socketio.token.expired_left_room")
        environ = sio.get_environ(sid) or {}
        request = environ.get("sanic.request")
        app = request.app if request is not None else None
        await sio.emit(self.bot_message_evt, {**refusal(app, "expired"), "timestamp": time.time()}, room=sid)

    def _forget(self, sid: str) -> None:
        self._expires.pop(sid, None)
        if (timer := self._timers.pop(sid, None)) is not None:
            timer.cancel()

    def _identify(self, token: Any, dev_sender: Any) -> Identity:
        return identify(
            token if isinstance(token, str) else None,
            dev_sender if isinstance(dev_sender, str) else None,
            self.settings,
        )

    def _socket_events(self, sio: AsyncServer, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        @sio.on("connect")
        async def connect(sid: str, environ: dict[str, Any], auth: Any) -> bool:
            token = auth.get("token") if isinstance(auth, dict) else None
            if token or not self.settings.dev_mode:
                try:
                    self._identify(token, None)
                except TokenError as problem:
                    logger.info("socketio.token.refused", reason=problem.kind)
                    # (message, data): socket.io clients get `err.data` with the polite text
                    raise SocketRefused(
                        f"token {problem.kind}", refusal(environ["sanic.request"].app, problem.kind)
                    ) from None
            await sio.save_session(sid, {"token": token})
            return True

        @sio.on("session_request")
        async def session_request(sid: str, data: Any) -> None:
            token = (await sio.get_session(sid)).get("token")
            requested = data.get("session_id") if isinstance(data, dict) else None
            try:
                who = self._identify(token, requested or uuid.uuid4().hex)
            except TokenError as problem:
                await self._refuse(sio, sid, problem)
                return
            await self._admit(sio, sid, who)
            await sio.emit("session_confirm", who.sender_id, room=sid)

        @sio.on("disconnect")
        async def disconnect(sid: str, *_: Any) -> None:
            self._forget(sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            refused = self.gate.admit_client(client_ip(_request_of(sio, sid)))
            if refused is not None:
                await self._say_refusal(sio, sid, refused)
                return
            session = await sio.get_session(sid)
            refreshed = isinstance(data.get("token"), str) and data["token"] != session.get("token")
            if refreshed:
                session["token"] = data["token"]  # the widget refreshed an expiring token
                await sio.save_session(sid, session)
            try:
                # re-checked on every message: an expired token stops the conversation here
                who = self._identify(session.get("token"), data.get("session_id"))
            except TokenError as problem:
                await self._refuse(sio, sid, problem)
                return
            if who.verified is not None and (sid not in self._expires or refreshed):
                await self._admit(sio, sid, who)  # a fresh token: (back) in the room until it expires
            text = data.get("message")
            if not isinstance(text, str):
                await sio.emit(TURN_DONE_EVT, {}, room=sid)  # nothing to answer, but the typing indicator stops
                return
            text = clean_text(text)
            refused = self.gate.admit_message(who.sender_id, text)
            if refused is not None:
                await self._say_refusal(sio, sid, refused)
                return
            text = clean_payload(text, self.catalog)  # a typed /intent{...} keeps only the contract's values
            output = WidgetOutput(sio, self.bot_message_evt, self._remove_expired)
            message = UserMessage(
                text, output, who.sender_id, input_channel=self.name(), metadata=who.metadata(data.get("metadata"))
            )
            failed = outage = False
            try:
                await on_new_message(message)
            except Exception as exc:  # logged without the text (channels.failures), not re-raised with it
                failed, outage = True, is_outage(exc)
                logger.error("socketio.message.failure", **failure_fields(exc, text=text, sender_id=who.sender_id))
            try:
                app = getattr(_request_of(sio, sid), "app", None)
                said = await silence_text(app, who.sender_id, sent=output.sent, failed=failed, outage=outage)
                if said is not None:
                    await output.send_text_message(who.sender_id, said)
            finally:
                await sio.emit(TURN_DONE_EVT, {}, room=sid)

    async def _say_refusal(self, sio: AsyncServer, sid: str, refused: Refusal) -> None:
        """A message the limits stopped: one polite system message, and the turn is over."""
        logger.info("socketio.message.refused", reason=refused)
        app = getattr(_request_of(sio, sid), "app", None)
        await sio.emit(self.bot_message_evt, {**refusal_message(app, refused), "timestamp": time.time()}, room=sid)
        await sio.emit(TURN_DONE_EVT, {}, room=sid)

    async def _refuse(self, sio: AsyncServer, sid: str, problem: TokenError) -> None:
        logger.info("socketio.token.refused", reason=problem.kind)
        app = sio.get_environ(sid)["sanic.request"].app
        await sio.emit(self.bot_message_evt, {**refusal(app, problem.kind), "timestamp": time.time()}, room=sid)
        await sio.emit(TURN_DONE_EVT, {}, room=sid)


def _request_of(sio: AsyncServer, sid: str) -> Any:
    """The Sanic request that opened a socket.io connection (its client address, the app), if known."""
    environ = sio.get_environ(sid)
    return environ.get("sanic.request") if isinstance(environ, dict) else None
