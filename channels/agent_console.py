"""The agent console: a Rasa input channel serving the console page and its JSON API at /console.

Registered in credentials.yml as `channels.agent_console.AgentConsoleInput`.
Agents log in (BOT_AGENT_USERS, see bot.security.console_auth), see the live queue,
read a ticket's summary and transcript, claim it, reply into the customer's
widget, add internal notes, hand back to the bot or close. What each of these
does to tickets (and what must follow) is bot.handoff.console; this module only
does the I/O: HTTP, the trackers (channels.console_tracker), live pushes to
widgets (channels.live) and publishing events.

Every POST is JSON with the X-CSRF-Token of the session and comes from the
console's own origin (Origin / Sec-Fetch-Site); the session cookie is HttpOnly,
SameSite=Strict, signed, and in production Secure with the __Host- prefix.
Console responses never carry CORS headers (whatever Rasa's --cors allows for
the widget) and always carry a strict Content-Security-Policy, nosniff and
frame-ancestors 'none'. Logins are throttled per login and per client address
(429 with Retry-After), the password hash runs in a thread, not on the event
loop, and logging out revokes the session on the server.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import wraps
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse

from bot.config import REPO_ROOT, ConfigError, Settings
from bot.db.session import run_in_session, session_factory
from bot.handoff import console as hc
from bot.handoff import outbox
from bot.handoff.events import AmqpPublisher
from bot.handoff.outbox import EventOutboxSender
from bot.handoff.tickets import InvalidTicketTransition
from bot.security import console_auth as auth
from bot.security.login_throttle import LoginThrottle, ThrottlePolicy
from bot.security.origins import console_origins, is_same_origin_request
from channels import console_tracker as ct
from channels import live
from channels.auth import refuse_exposed_dev_mode

log = logging.getLogger(__name__)
STATIC_DIR = REPO_ROOT / "console"
STATIC_FILES = {"console.js": "application/javascript", "console.css": "text/css"}
PREFIX = "/console"
MAX_TEXT = 2000
MAX_LOGIN = 64  # longer than any valid login (bot.security.console_auth); keeps throttle keys small
MAX_PASSWORD = 1024  # refused without hashing
HASH_THREADS = 2
MAX_PENDING_LOGINS = 8
CHANNEL = "agent_console"
RECENTLY_FINISHED = 10
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]
# On every console response: its own scripts and styles only, never framed, never sniffed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class AgentConsoleInput(InputChannel):
    """Console page and JSON API for human agents (no user messages arrive through it)."""

    @classmethod
    def name(cls) -> str:
        """Channel name (the credentials.yml key is the class path)."""
        return "agent_console"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the console from the environment (credentials.yml holds no secrets)."""
        return cls(Settings.from_env())

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Misconfiguration stops the server at start-up, not at an agent's first login.
        self.users = auth.parse_agent_users(settings.agent_users, dev_mode=settings.dev_mode)
        self.directory = auth.AgentDirectory(self.users)
        self.secret = auth.console_secret(settings.console_secret, dev_mode=settings.dev_mode)
        window, lockout = settings.console_failure_window_seconds, settings.console_lockout_seconds
        self.throttle = LoginThrottle(
            per_login=ThrottlePolicy(settings.console_login_max_failures, window, lockout),
            per_address=ThrottlePolicy(settings.console_address_max_failures, window, lockout),
        )
        self.revoked = auth.RevokedSessions()
        # PBKDF2 runs here, never on the event loop (which serves every conversation); few threads,
        # and at most MAX_PENDING_LOGINS waiting, so a flood of logins cannot take every core.
        self.hashing = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="console-login")
        self.pending_logins = 0
        self.factory = session_factory(settings.database_url)
        # Handoff events go out through the outbox; this server also sends what others could not.
        self.outbox = (
            EventOutboxSender(self.factory, AmqpPublisher(settings.events_amqp_url, settings.events_exchange))
            if settings.events_amqp_url
            else None
        )
        self.cookie = auth.session_cookie(dev_mode=settings.dev_mode)
        try:
            self.origins = console_origins(settings.public_url, dev_mode=settings.dev_mode)
        except ValueError as exc:
            raise ConfigError(f"BOT_PUBLIC_URL: {exc}") from None

    def url_prefix(self) -> str:
        """Serve under /console rather than /webhooks/agent_console."""
        return PREFIX

    def session_value(self, request: Request) -> str:
        """The raw session cookie ("" when there is none)."""
        return str(request.cookies.get(self.cookie.name) or "")

    def session_of(self, request: Request) -> auth.ConsoleSession | None:
        """The request's valid session (signed, unexpired, not logged out, of a configured agent), or None."""
        session = auth.read_session(self.secret, self.session_value(request))
        if session is None or session.login not in self.users or self.revoked.is_revoked(session):
            return None
        return session

    def login_of(self, request: Request) -> str | None:
        """The logged-in agent's login from the session cookie, or None."""
        session = self.session_of(request)
        return session.login if session else None

    def same_origin(self, request: Request) -> bool:
        """Whether a POST comes from the console's own page (not from any other site, subdomains included)."""
        return is_same_origin_request(
            origin=request.headers.get("origin"), fetch_site=request.headers.get("sec-fetch-site"), allowed=self.origins
        )

    def guarded(self, handler: Handler) -> Handler:
        """Require a session (and for POSTs the console's origin, a JSON body and the CSRF token) before `handler`."""

        @wraps(handler)
        async def check(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            if request.method == "POST" and not self.same_origin(request):
                return _error(403, "cross_origin")
            login = self.login_of(request)
            if login is None:
                return _error(401, "login_required")
            if request.method == "POST":
                if not auth.csrf_matches(self.secret, self.session_value(request), request.headers.get("x-csrf-token")):
                    return _error(403, "csrf")
                if not (request.content_type or "").startswith("application/json"):
                    return _error(415, "json_required")
            return await handler(request, login, *args, **kwargs)

        return check

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes of the page and the JSON API."""
        bp = Blueprint("agent_console", __name__)
        refuse_exposed_dev_mode(bp, self.settings)

        @bp.listener("before_server_start")
        async def harden(app: Sanic, _: Any) -> None:
            # App-wide and appended last, so that it runs after Rasa's CORS middleware (added by
            # an earlier listener) and also on errors and CORS preflights that match no console route.
            if harden_console_response not in app.response_middleware:
                app.response_middleware.append(harden_console_response)

        @bp.listener("after_server_start")
        async def start_outbox(app: Sanic, _: Any) -> None:
            if self.outbox is not None:
                self.outbox.start()

        @bp.listener("before_server_stop")
        async def stop_outbox(app: Sanic, _: Any) -> None:
            if self.outbox is not None:
                await self.outbox.stop()

        bp.add_route(_plain(self.page), "/", methods=["GET"])
        bp.add_route(_plain(self.asset), "/static/<name>", methods=["GET"])
        bp.add_route(_plain(self.login), "/api/login", methods=["POST"])
        bp.add_route(_plain(self.logout), "/api/logout", methods=["POST"])
        bp.add_route(self.guarded(self.me), "/api/me", methods=["GET"])
        bp.add_route(self.guarded(self.queue), "/api/queue", methods=["GET"])
        bp.add_route(self.guarded(self.ticket), "/api/tickets/<ticket_id:int>", methods=["GET"])
        bp.add_route(self.guarded(self.claim), "/api/tickets/<ticket_id:int>/claim", methods=["POST"])
        bp.add_route(self.guarded(self.reply), "/api/tickets/<ticket_id:int>/reply", methods=["POST"])
        bp.add_route(self.guarded(self.note), "/api/tickets/<ticket_id:int>/note", methods=["POST"])
        bp.add_route(self.guarded(self.handback), "/api/tickets/<ticket_id:int>/handback", methods=["POST"])
        bp.add_route(self.guarded(self.close), "/api/tickets/<ticket_id:int>/close", methods=["POST"])
        return bp

    # ── page and login ───────────────────────────────────────────

    async def page(self, request: Request) -> HTTPResponse:
        """The console page (it shows the login form until /api/me answers)."""
        return await response.file(str(STATIC_DIR / "index.html"), mime_type="text/html; charset=utf-8")

    async def asset(self, request: Request, name: str) -> HTTPResponse:
        """The console's own script and stylesheet (no CDN)."""
        if name not in STATIC_FILES:
            return _error(404, "not_found")
        return await response.file(str(Path(STATIC_DIR / name)), mime_type=f"{STATIC_FILES[name]}; charset=utf-8")

    async def login(self, request: Request) -> HTTPResponse:
        """Check login and password; set the signed session cookie."""
        if not self.same_origin(request):
            return _error(403, "cross_origin")
        body = _json_body(request)
        login, password = str(body.get("login") or "")[:MAX_LOGIN], str(body.get("password") or "")
        address = client_address(request)
        wait = self.throttle.retry_after(login, address)
        if wait:
            log.info("console login throttled for %r from %s", login, address)
            return _too_many(wait)
        if self.pending_logins >= MAX_PENDING_LOGINS:
            return _too_many(1)
        self.pending_logins += 1
        try:
            user = (
                await asyncio.get_running_loop().run_in_executor(
                    self.hashing, self.directory.authenticate, login, password
                )
                if len(password) <= MAX_PASSWORD
                else None
            )
        finally:
            self.pending_logins -= 1
        if user is None:
            self.throttle.failed(login, address)
            log.info("console login refused for %r from %s", login, address)
            return _error(401, "bad_credentials")
        self.throttle.succeeded(login, address)
        session = auth.make_session(self.secret, login)
        resp = response.json(self._me_body(login, session))
        self._set_cookie(resp, session, auth.SESSION_SECONDS)
        return resp

    async def logout(self, request: Request) -> HTTPResponse:
        """End the session: revoked on the server (a copied cookie stops working too), the cookie dropped."""
        if not self.same_origin(request):
            return _error(403, "cross_origin")
        session = self.session_of(request)
        if session is not None:
            self.revoked.revoke(session)
        resp = response.json({"ok": True})
        self._set_cookie(resp, "", 0)
        return resp

    def _set_cookie(self, resp: HTTPResponse, value: str, max_age: int) -> None:
        resp.cookies[self.cookie.name] = value
        cookie = resp.cookies[self.cookie.name]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = self.cookie.path
        cookie["max-age"] = max_age
        if self.cookie.secure:
            cookie["secure"] = True

    def _me_body(self, login: str, session: str) -> dict[str, Any]:
        return {"login": login, "name": self.users[login].display_name, "csrf": auth.csrf_token(self.secret, session)}

    async def me(self, request: Request, login: str) -> HTTPResponse:
        """The logged-in agent and the CSRF token for POSTs."""
        return response.json(self._me_body(login, self.session_value(request)))

    # ── queue and tickets ────────────────────────────────────────

    async def queue(self, request: Request, login: str) -> HTTPResponse:
        """Open tickets, oldest first, with queue positions, then recently finished ones."""
        tickets = await run_in_session(self.factory, hc.queue_view, include_finished=RECENTLY_FINISHED)
        return response.json({"tickets": [self._ticket_row(t) for t in tickets]})

    def _ticket_row(self, ticket: hc.TicketView) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": ticket.id,
            "kind": ticket.kind,
            "status": ticket.status,
            "reason": ticket.reason,
            "conversation_id": ticket.conversation_id,
            "customer_id": ticket.customer_id,
            "customer_name": ticket.customer_name,
            "claimed_by": ticket.claimed_by,
            "claimed_by_name": self.users[ticket.claimed_by].display_name
            if ticket.claimed_by in self.users
            else ticket.claimed_by,
            "created_at": ticket.created_at.isoformat() if ticket.created_at else None,
        }
        if ticket.position is not None:
            row["position"] = ticket.position
        return row

    async def ticket(self, request: Request, login: str, ticket_id: int) -> HTTPResponse:
        """One ticket: summary, message, notes, the transcript of its session, whether the bot is paused (audited)."""
        detail = await run_in_session(self.factory, hc.ticket_detail, ticket_id, agent=login, channel=CHANNEL)
        if detail is None:
            return _error(404, "not_found")
        body = self._ticket_row(detail.ticket)
        body["summary"] = detail.summary
        body["message"] = detail.message
        # The full callback number is shown only here, to a logged-in agent who must call back.
        body["callback_phone"] = detail.callback_phone
        body["callback_phone_masked"] = detail.callback_phone_masked
        body["notes"] = [
            {"author": n.author, "text": n.text, "created_at": n.created_at.isoformat()} for n in detail.notes
        ]
        agent = request.app.ctx.agent
        body["transcript"] = await ct.transcript(
            agent, detail.ticket.conversation_id, opened_at=detail.opened_at, closed_at=detail.closed_at
        )
        body["bot_paused"] = await ct.is_paused(agent, detail.ticket.conversation_id)
        return response.json(body)

    async def _change(
        self, use_case: Callable[..., hc.ConsoleOutcome], ticket_id: int, login: str, **kwargs: Any
    ) -> hc.ConsoleOutcome | HTTPResponse:
        """Run one of bot.handoff.console's changes; a refusal becomes its HTTP answer."""
        try:
            return await run_in_session(
                self.factory, self._recording(use_case), ticket_id=ticket_id, agent=login, channel=CHANNEL, **kwargs
            )
        except LookupError:
            return _error(404, "not_found")
        except InvalidTicketTransition as exc:
            return _error(409, "invalid_transition", str(exc))

    def _recording(self, use_case: Callable[..., hc.ConsoleOutcome]) -> Callable[..., hc.ConsoleOutcome]:
        """`use_case`, writing its events to the outbox in its own transaction when events are on."""
        if self.outbox is None:
            return use_case
        return lambda session, **kwargs: outbox.record(session, use_case(session, **kwargs))

    async def _follow_up(self, request: Request, outcome: hc.ConsoleOutcome) -> list[str]:
        """After a committed change: the bot in the conversation, the events, the waiting customers' places.

        Returns what the bot said (a hand back).
        """
        conversation_id = outcome.ticket.conversation_id
        said: list[str] = []
        if outcome.bot is hc.BotChange.HAND_BACK:
            said = await ct.hand_back(request.app.ctx.agent, conversation_id)
        elif outcome.bot is hc.BotChange.RESUME_SILENTLY:
            await ct.resume_silently(request.app.ctx.agent, conversation_id)
        if self.outbox is not None and outcome.events:
            self.outbox.wake()
        for waiting in outcome.waiting:
            await live.deliver(waiting.conversation_id, live.queue_place(waiting.position))
        return said

    async def claim(self, request: Request, login: str, ticket_id: int) -> HTTPResponse:
        """Claim a queued (or message-left) ticket for this agent."""
        outcome = await self._change(hc.claim, ticket_id, login)
        if isinstance(outcome, HTTPResponse):
            return outcome
        await self._follow_up(request, outcome)
        return response.json(self._ticket_row(outcome.ticket))

    async def reply(self, request: Request, login: str, ticket_id: int) -> HTTPResponse:
        """Send the agent's message to the customer (tracker + widget)."""
        text = _text_of(request)
        if text is None:
            return _error(400, "text_required")
        outcome = await self._change(hc.reply, ticket_id, login, text=text)
        if isinstance(outcome, HTTPResponse):
            return outcome
        name = self.users[login].display_name
        conversation_id = outcome.ticket.conversation_id
        delivered = await ct.agent_reply(request.app.ctx.agent, conversation_id, text=text, agent_name=name)
        await self._follow_up(request, outcome)
        return response.json({"ok": True, "delivered": delivered})

    async def note(self, request: Request, login: str, ticket_id: int) -> HTTPResponse:
        """Add an internal note (never shown to the customer)."""
        text = _text_of(request)
        if text is None:
            return _error(400, "text_required")
        outcome = await self._change(hc.add_note, ticket_id, login, text=text)
        if isinstance(outcome, HTTPResponse):
            return outcome
        await self._follow_up(request, outcome)
        return response.json({"ok": True})

    async def handback(self, request: Request, login: str, ticket_id: int) -> HTTPResponse:
        """Give the conversation back to the bot, which says so."""
        outcome = await self._change(hc.hand_back, ticket_id, login)
        if isinstance(outcome, HTTPResponse):
            return outcome
        said = await self._follow_up(request, outcome)
        return response.json({**self._ticket_row(outcome.ticket), "bot_said": said})

    async def close(self, request: Request, login: str, ticket_id: int) -> HTTPResponse:
        """Close the ticket; a live conversation is resumed without a message."""
        outcome = await self._change(hc.close, ticket_id, login)
        if isinstance(outcome, HTTPResponse):
            return outcome
        await self._follow_up(request, outcome)
        return response.json(self._ticket_row(outcome.ticket))


def _plain(method: Handler) -> Handler:
    """A bound method as a plain function: Sanic marks route handlers with attributes."""

    @wraps(method)
    async def handler(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        return await method(request, *args, **kwargs)

    return handler


def is_console_path(path: str) -> bool:
    """Whether a request path is the console's (page, assets or API)."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def harden_console_response(request: Request, resp: BaseHTTPResponse) -> None:
    """On console responses: drop any CORS header, add the security headers (an app-wide response middleware).

    Rasa's --cors applies to every path and reflects an allowed Origin with credentials;
    the console is meant for its own page only, so no site gets CORS access to it.
    """
    if not is_console_path(request.path):
        return
    for name in {key.lower() for key in resp.headers.keys() if key.lower().startswith("access-control-")}:
        del resp.headers[name]
    resp.headers.update(SECURITY_HEADERS)
    if request.path.startswith(PREFIX + "/api/"):
        resp.headers["Cache-Control"] = "no-store"  # transcripts and phone numbers stay out of caches


def client_address(request: Request) -> str:
    """The client's address: behind a reverse proxy the forwarded one, if Sanic is told to trust it.

    (SANIC_PROXIES_COUNT / SANIC_REAL_IP_HEADER / SANIC_FORWARDED_SECRET; otherwise the peer.)
    """
    return str(request.remote_addr or request.ip or "unknown")


def _too_many(seconds: int) -> HTTPResponse:
    minutes = max(1, math.ceil(seconds / 60))
    return response.json(
        {
            "error": "too_many_attempts",
            "detail": f"登录尝试次数过多，请 {minutes} 分钟后再试。",
            "retry_after": seconds,
        },
        status=429,
        headers={"Retry-After": str(seconds)},
    )


def _error(status: int, code: str, detail: str = "") -> HTTPResponse:
    return response.json({"error": code, "detail": detail}, status=status)


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:  # malformed JSON: treated as an empty body, answered with a clean 4xx
        return {}
    return body if isinstance(body, dict) else {}


def _text_of(request: Request) -> str | None:
    """The message text of a reply or note: non-empty, at most MAX_TEXT characters."""
    text = str(_json_body(request).get("text") or "").strip()
    return text if 0 < len(text) <= MAX_TEXT else None
