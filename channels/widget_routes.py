"""HTTP routes beside the socket channel (/webhooks/socketio/...).

/widget/<file>   the widget's script, styles and the vendored socket.io client
/history         the conversation of the bearer token's customer and where a handoff stands, for a reloaded page
/demo, /dev/token  development mode only: a demo host page and demo customers' tokens
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.config import REPO_ROOT, Settings
from bot.db.session import run_in_session, session_factory
from bot.handoff.queue import place_in_queue
from bot.security.local_only import is_local_client
from bot.security.tokens import TokenError, is_customer_id, mint_token
from channels.auth import Identity, bearer_token, refusal, refuse_exposed_dev_mode
from channels.history import handoff_state, transcript

WIDGET_DIR = REPO_ROOT / "widget"
# The only files the widget route serves (no path from the URL reaches the filesystem).
WIDGET_FILES = {
    "widget.js": "application/javascript",
    "widget.css": "text/css",
    "socket.io.min.js": "application/javascript",
}


def add_widget_routes(bp: Blueprint, identify: Callable[[Any, Any], Identity], settings: Settings) -> None:
    """Add the widget, history and (development) demo routes to the socket channel's blueprint."""
    refuse_exposed_dev_mode(bp, settings)

    @bp.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @bp.route("/widget/<name:str>", methods=["GET"])
    async def widget_file(_: Request, name: str) -> HTTPResponse:
        if name not in WIDGET_FILES:
            return response.json({"error": "not found"}, status=404)
        return await response.file(
            widget_path(name), mime_type=f"{WIDGET_FILES[name]}; charset=utf-8", headers={"Cache-Control": "no-cache"}
        )

    @bp.route("/history", methods=["GET"])
    async def history(request: Request) -> HTTPResponse:
        try:
            who = identify(bearer_token(request.headers.get("Authorization")), request.args.get("session_id"))
        except TokenError as problem:
            return response.json({"error": problem.kind, "messages": [refusal(request.app, problem.kind)]}, status=401)
        tracker = await request.app.ctx.agent.tracker_store.retrieve(who.sender_id)
        events = [e.as_dict() for e in tracker.events] if tracker else []
        handoff = handoff_state(events)
        if handoff and handoff["state"] == "waiting":
            factory = session_factory(settings.database_url)
            handoff = {**handoff, **await run_in_session(factory, _queue_place, settings, who.sender_id)}
        return response.json({"conversation_id": who.sender_id, "messages": transcript(events), "handoff": handoff})

    if settings.dev_mode:
        _add_demo_routes(bp, settings)


def _queue_place(session: Session, settings: Settings, conversation_id: str) -> dict[str, int]:
    """The waiting conversation's place in the queue now (others may have been served since the bot said it)."""
    estimate = place_in_queue(
        session,
        conversation_id,
        average_handling_minutes=settings.handoff_average_minutes,
        agents_on_duty=settings.agents_on_duty,
    )
    return {"position": estimate.position, "wait_minutes": estimate.wait_minutes} if estimate else {}


def _add_demo_routes(bp: Blueprint, settings: Settings) -> None:
    """Only in development mode: a demo host page and tokens for demo customers, for this machine only."""

    @bp.route("/demo", methods=["GET"])
    async def demo(request: Request) -> HTTPResponse:
        if not is_local_client(request.ip, request.headers):
            return _not_local()
        return await response.file(WIDGET_DIR / "demo.html", mime_type="text/html; charset=utf-8")

    @bp.route("/dev/token", methods=["GET"])
    async def dev_token(request: Request) -> HTTPResponse:
        # Even on a loopback bind a local reverse proxy could forward others: the peer must be
        # this machine and the request must not carry proxy headers.
        if not is_local_client(request.ip, request.headers):
            return _not_local()
        customer = request.args.get("customer", "")
        if not is_customer_id(customer):
            return response.json({"error": "customer must be a customer id"}, status=400)
        seconds = request.args.get("ttl", "3600")
        longest = settings.jwt_max_lifetime_seconds
        ttl = timedelta(seconds=min(int(seconds), longest) if seconds.isdigit() else min(3600, longest))
        token = mint_token(
            customer, secret=settings.jwt_secret, issuer=settings.jwt_issuer, audience=settings.jwt_audience, ttl=ttl
        )
        return response.json({"token": token, "customer_id": customer})


def _not_local() -> HTTPResponse:
    return response.json({"error": "development routes answer this machine only"}, status=403)


def widget_path(name: str) -> Path:
    """Where a served widget file lives (the vendored client under vendor/)."""
    return (WIDGET_DIR / "vendor" if name == "socket.io.min.js" else WIDGET_DIR) / name
