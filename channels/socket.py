"""Socket.io input channel bound to the signed customer token (the web widget's channel).

The widget connects to /socket.io with `auth: {token}`. The token is checked
when the connection opens and again with every message (a message may carry
a fresher token). The conversation id is the verified customer's id, so a
client-chosen `session_id` cannot open someone else's conversation; message
metadata is rebuilt from the token. In development mode a connection without
a token keeps Rasa's stock behaviour (the client's session id is the sender).

Besides socket.io the blueprint (/webhooks/socketio/...) serves the widget's
files, the conversation history for a reloaded page, and in development mode
a demo host page and a token-minting endpoint. Registered in credentials.yml
as `channels.socket.TokenSocketIOInput`; registers the live deliverer
(channels.live) for agent messages.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from bot.config import REPO_ROOT, Settings
from bot.tokens import TokenError, is_customer_id, mint_token
from channels import live
from channels.auth import Identity, bearer_token, identify, refusal
from channels.history import transcript

logger = structlog.get_logger()
WIDGET_DIR = REPO_ROOT / "widget"
# The only files the widget route serves (no path from the URL reaches the filesystem).
WIDGET_FILES = {
    "widget.js": "application/javascript",
    "widget.css": "text/css",
    "socket.io.min.js": "application/javascript",
}
TURN_DONE_EVT = "bot_turn_done"


class WidgetOutput(SocketIOOutput):
    """Rasa's socket output with the widget's message shape: sender, timestamp, buttons, custom."""

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await self.sio.emit(self.bot_message_evt, {"sender": "bot", "timestamp": time.time(), **response}, room=socket_id)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
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

    def __init__(self, user_message_evt: str = "user_uttered", bot_message_evt: str = "bot_uttered",
                 socketio_path: str = "/socket.io", settings: Settings | None = None) -> None:
        super().__init__(user_message_evt, bot_message_evt, None, True, socketio_path)
        self.settings = settings or Settings.from_env()
        self.settings.require_channel_secrets()

    def get_output_channel(self) -> WidgetOutput | None:
        """Output to the widget(s) of a conversation (used by Rasa's HTTP API, e.g. reminders)."""
        return WidgetOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Socket.io events plus the widget, history and (development) demo routes."""
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        self._socket_events(sio, on_new_message)
        self._widget_routes(bp)
        live.register(self._deliverer(sio))
        return bp

    def _deliverer(self, sio: AsyncServer) -> live.Deliverer:
        async def deliver(conversation_id: str, message: dict[str, Any]) -> bool:
            if not any(True for _ in sio.manager.get_participants("/", conversation_id)):
                return False
            await sio.emit(self.bot_message_evt, {"timestamp": time.time(), **message}, room=conversation_id)
            return True

        return deliver

    def _identify(self, token: Any, dev_sender: Any) -> Identity:
        return identify(token if isinstance(token, str) else None,
                        dev_sender if isinstance(dev_sender, str) else None, self.settings)

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
                    raise SocketRefused(f"token {problem.kind}", refusal(environ["sanic.request"].app, problem.kind)) from None
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
            await sio.enter_room(sid, who.sender_id)
            await sio.emit("session_confirm", who.sender_id, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session = await sio.get_session(sid)
            if isinstance(data.get("token"), str):
                session["token"] = data["token"]  # the widget refreshed an expiring token
                await sio.save_session(sid, session)
            try:
                # re-checked on every message: an expired token stops the conversation here
                who = self._identify(session.get("token"), data.get("session_id"))
            except TokenError as problem:
                await self._refuse(sio, sid, problem)
                return
            text = data.get("message")
            if not isinstance(text, str):
                return
            output = WidgetOutput(sio, self.bot_message_evt)
            message = UserMessage(text, output, who.sender_id, input_channel=self.name(),
                                  metadata=who.metadata(data.get("metadata")))
            try:
                await on_new_message(message)
            finally:
                await sio.emit(TURN_DONE_EVT, {}, room=sid)

    async def _refuse(self, sio: AsyncServer, sid: str, problem: TokenError) -> None:
        logger.info("socketio.token.refused", reason=problem.kind)
        app = sio.get_environ(sid)["sanic.request"].app
        await sio.emit(self.bot_message_evt, {**refusal(app, problem.kind), "timestamp": time.time()}, room=sid)
        await sio.emit(TURN_DONE_EVT, {}, room=sid)

    def _widget_routes(self, bp: Blueprint) -> None:
        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/widget/<name:str>", methods=["GET"])
        async def widget_file(_: Request, name: str) -> HTTPResponse:
            if name not in WIDGET_FILES:
                return response.json({"error": "not found"}, status=404)
            folder = WIDGET_DIR / "vendor" if name == "socket.io.min.js" else WIDGET_DIR
            return await response.file(folder / name, mime_type=f"{WIDGET_FILES[name]}; charset=utf-8",
                                       headers={"Cache-Control": "no-cache"})

        @bp.route("/history", methods=["GET"])
        async def history(request: Request) -> HTTPResponse:
            try:
                who = self._identify(bearer_token(request.headers.get("Authorization")), request.args.get("session_id"))
            except TokenError as problem:
                return response.json({"error": problem.kind, "messages": [refusal(request.app, problem.kind)]}, status=401)
            tracker = await request.app.ctx.agent.tracker_store.retrieve(who.sender_id)
            events = [e.as_dict() for e in tracker.events] if tracker else []
            return response.json({"conversation_id": who.sender_id, "messages": transcript(events)})

        if self.settings.dev_mode:
            self._demo_routes(bp)

    def _demo_routes(self, bp: Blueprint) -> None:
        """Only in development mode: a demo host page and tokens for demo customers."""

        @bp.route("/demo", methods=["GET"])
        async def demo(_: Request) -> HTTPResponse:
            return await response.file(WIDGET_DIR / "demo.html", mime_type="text/html; charset=utf-8")

        @bp.route("/dev/token", methods=["GET"])
        async def dev_token(request: Request) -> HTTPResponse:
            customer = request.args.get("customer", "")
            if not is_customer_id(customer):
                return response.json({"error": "customer must be a customer id"}, status=400)
            seconds = request.args.get("ttl", "3600")
            ttl = timedelta(seconds=min(int(seconds), 86400) if seconds.isdigit() else 3600)
            token = mint_token(customer, secret=self.settings.jwt_secret, issuer=self.settings.jwt_issuer, ttl=ttl)
            return response.json({"token": token, "customer_id": customer})


def widget_path(name: str) -> Path:
    """Where a served widget file lives (for tests)."""
    return (WIDGET_DIR / "vendor" if name == "socket.io.min.js" else WIDGET_DIR) / name
