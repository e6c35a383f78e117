"""The action server, accepting calls only from the Rasa server.

rasa_sdk 3.6 serves /webhook to anyone and answers a failing call with the
whole request (the tracker) echoed back. This entry point wraps its app:
every route but /health needs the shared secret in the X-Action-Secret
header (endpoints.yml sends it), an action call that is not the shape Rasa
sends (a JSON object naming the action, with a tracker of the right types,
deflated or not) gets HTTP 400 before rasa_sdk reads it, and errors answer
with a bare message. It also takes delta calls at /webhook/since: only the events it has not
seen, the rest kept here from earlier calls (channels/action_server_events.py).

    python -m channels.action_server --port 5055      (scripts/run.sh does this)
"""

from __future__ import annotations

import argparse
import hmac
import logging
import zlib
from typing import Any

import ujson
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import CollectingDispatcher
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import ConfigError, Settings
from bot.db.session import is_unreachable
from channels.action_server_events import KnownEvents, malformed_delta
from channels.event_chain import DELTA_SUBPATH, UNKNOWN_PREFIX_STATUS
from channels.failures import failure_fields

SECRET_HEADER = "X-Action-Secret"
DELTA_PATH = "/webhook/" + DELTA_SUBPATH
OPEN_PATHS = {"/health"}
# domain.yml: the account database is down: not available now, try later, or a person (a button).
ACCOUNTS_UNAVAILABLE_RESPONSE = "utter_accounts_unavailable"
# A deflated call is inflated at most to this size (Rasa's calls are a few hundred KB at most):
# a small deflate bomb must not make the server inflate gigabytes.
MAX_INFLATED_BYTES = 16 * 1024 * 1024
# What Rasa puts in a tracker, and the type each must have (rasa_sdk trusts them).
_TRACKER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "sender_id": str,
    "slots": dict,
    "latest_message": dict,
    "events": list,
    "paused": bool,
    "active_loop": dict,
    "latest_action_name": (str, type(None)),
    "followup_action": (str, type(None)),
}
logger = logging.getLogger(__name__)


def create_guarded_app(settings: Settings, actions_package: str = "actions") -> Sanic:
    """rasa_sdk's app with the secret check and non-echoing error responses.

    Raises:
        ConfigError: no usable action secret configured.
    """
    settings.require_action_secret()
    expected = settings.action_secret.encode()
    # Only the Rasa server calls this app, never a browser: no CORS.
    app = create_app(actions_package, cors_origins=None)
    known_events = KnownEvents()
    app.add_route(_rasa_sdk_webhook(app), DELTA_PATH, methods=["POST"], name="delta_webhook")

    @app.listener("before_server_start")
    async def check_bind(app: Sanic, _: object) -> None:
        settings.require_loopback_bind(app.state.host, "action server")

    @app.middleware("request")
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = (request.headers.get(SECRET_HEADER) or "").encode()
        if not given:
            return response.json({"error": "unauthorised"}, status=401)
        if not hmac.compare_digest(given, expected):
            return response.json({"error": "forbidden"}, status=403)
        if request.path in ("/webhook", DELTA_PATH) and request.method == "POST":
            return admit_call(request, known_events)
        return None

    @app.exception(Exception)
    async def bare_error(request: Request, exception: Exception) -> HTTPResponse:
        # rasa_sdk's own handler returns the request body: the customer's whole tracker.
        # Never the exception's message or the body: either can quote the customer's messages.
        logger.error("action server error on %s: %s", request.path, failure_fields(exception))
        if request.path in ("/webhook", DELTA_PATH) and is_unreachable(exception):
            return response.json(accounts_unavailable())
        status = getattr(exception, "status_code", 500)
        return response.json({"error": "internal error" if status >= 500 else "bad request"}, status=status)

    return app


def admit_call(request: Request, known_events: KnownEvents) -> HTTPResponse | None:
    """None when rasa_sdk may run the call (parsed here; a delta call's session restored), else the refusal."""
    encoding = request.headers.get("Content-Encoding")
    call, problem = read_call(request.body, encoding)
    delta = request.path == DELTA_PATH
    if call is not None and delta:
        problem = "a delta call is never deflated" if encoding == "deflate" else malformed_delta(call)
    if call is None or problem is not None:
        logger.info("action call refused: %s", problem)
        return response.json({"error": "bad request"}, status=400)
    if delta and not known_events.restore(call):
        return response.json({"error": "events unknown"}, status=UNKNOWN_PREFIX_STATUS)
    if encoding != "deflate":
        # rasa_sdk reads request.json: the call parsed here, not a second time (a long
        # conversation's tracker is a few hundred KB: milliseconds per parse).
        request.parsed_json = call  # type: ignore[assignment]  # Sanic declares the cache None-only
    return None


def _rasa_sdk_webhook(app: Sanic) -> Any:
    """rasa_sdk's own /webhook handler, to serve delta calls once their session is restored."""
    return next(route.handler for route in app.router.routes if route.path == "webhook")


def accounts_unavailable() -> dict[str, Any]:
    """The action's answer when the account database cannot be reached: the apology, then listen.

    Every action reads or writes that database, so this is answered here, once, for all of them.
    Nothing of the action is kept (its transaction rolled back: no partial change), and the turn
    stops after the apology instead of going on from a state the action never set.
    """
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response=ACCOUNTS_UNAVAILABLE_RESPONSE)
    return {"events": [{"event": "followup", "name": "action_listen"}], "responses": dispatcher.messages}


def read_call(body: bytes, encoding: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """The action call in `body` and None, or None and why it is not what Rasa sends (rasa_sdk must not read it)."""
    if encoding == "deflate":
        inflater = zlib.decompressobj()
        try:
            body = inflater.decompress(body, MAX_INFLATED_BYTES)
        except zlib.error:
            return None, "not deflate"
        if inflater.unconsumed_tail:
            return None, "inflates too large"
    try:
        call = ujson.loads(body)  # the parser Sanic gives rasa_sdk
    except (ValueError, RecursionError, OverflowError):
        return None, "not JSON"
    problem = _malformed(call)
    return (None, problem) if problem else (call, None)


def _malformed(call: Any) -> str | None:
    if not isinstance(call, dict):
        return "not an object"
    if not isinstance(call.get("next_action"), str):
        return "no action named"
    if not isinstance(call.get("domain", {}), dict):
        return "domain is not an object"
    if not isinstance(call.get("version"), str | None):
        return "version is not a string"
    return _malformed_tracker(call.get("tracker"))


def _malformed_tracker(tracker: Any) -> str | None:
    if not isinstance(tracker, dict) or not isinstance(tracker.get("sender_id"), str):
        return "no tracker with a sender"
    for field, kind in _TRACKER_FIELDS.items():
        if field in tracker and not isinstance(tracker[field], kind):
            return f"tracker {field} has the wrong type"
    if not all(isinstance(event, dict) for event in tracker.get("events", [])):
        return "an event is not an object"
    return None


def main(argv: list[str] | None = None) -> int:
    """Start the guarded action server; exits non-zero without a secret."""
    parser = argparse.ArgumentParser(prog="python -m channels.action_server", description=__doc__)
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", help="default: 127.0.0.1 in development mode (the only bind it allows), else 0.0.0.0")
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    try:
        settings = Settings.from_env()
        host = args.host or ("127.0.0.1" if settings.dev_mode else "0.0.0.0")
        settings.require_loopback_bind(host, "action server")
        app = create_guarded_app(settings, args.actions)
    except ConfigError as exc:
        logger.error("%s", exc)
        return 2
    app.run(host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
