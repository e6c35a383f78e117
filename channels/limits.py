"""Limits the input channels apply before Rasa sees a message, and the reply after a silent turn (issue 14).

The decisions are `bot.security.message_limits` (cleaning, length, blank
messages, token buckets) and `bot.security.no_silence`; this module is the
Sanic side: the client's address, the request-size cap on the server, the
polite reply (a domain response) a refused message gets, and the one a turn
gets when the assistant said nothing. A refused message never reaches the NLU
or the tracker.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import structlog
import yaml
from sanic import Blueprint
from sanic.request import Request

from bot.config import REPO_ROOT, Settings
from bot.security.message_limits import MAX_MESSAGE_CHARS, REFUSAL_RESPONSES, MessageGate, Refusal
from bot.security.no_silence import silence_reply

logger = structlog.get_logger()

# The HTTP status of a refused REST message (the body still carries the polite reply).
HTTP_STATUS: dict[Refusal, int] = {"too_long": 413, "rate_limited": 429, "blank": 400}
TOO_LARGE_STATUS = 413


def gate_for(settings: Settings) -> MessageGate:
    """The message gate of one channel, with the configured rates (raises ConfigError when malformed)."""
    sender_rate, ip_rate = settings.rates()
    return MessageGate.build(sender_rate=sender_rate, ip_rate=ip_rate)


def client_ip(request: Request | None) -> str | None:
    """The client's address: Sanic's proxy-aware `remote_addr` when a proxy is configured, else the peer."""
    if request is None:
        return None
    return str(request.remote_addr or request.ip or "") or None


def refusal_message(app: Any, refusal: Refusal) -> dict[str, Any]:
    """The reply to a refused message: the domain's wording, as a system message, and why."""
    text = domain_text(app, REFUSAL_RESPONSES[refusal]).format(max_chars=MAX_MESSAGE_CHARS)
    return {"text": text, "sender": "system", "refused": refusal}


def domain_text(app: Any, response: str) -> str:
    """The first text of a domain response: from the loaded model, else from the repository's domain.yml."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    responses = getattr(getattr(agent, "domain", None), "responses", None) or _file_responses()
    variants = responses.get(response) or _file_responses().get(response) or [{}]
    return str(variants[0].get("text") or "")


async def silence_text(app: Any, sender_id: str, *, sent: int, failed: bool, outage: bool = False) -> str | None:
    """What to say after a turn in which the assistant sent `sent` messages (None: nothing more).

    Only a silent turn looks at the conversation: one a human agent has taken over stays silent.
    """
    if sent:
        return None
    paused = False if failed else await _paused(app, sender_id)
    response = silence_reply(sent=sent, failed=failed, paused=paused, outage=outage)
    return domain_text(app, response) if response else None


async def _paused(app: Any, sender_id: str) -> bool:
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return False  # no assistant loaded (tests): nothing can have been handed to a human
    try:
        tracker = await store.retrieve(sender_id)
    except Exception as exc:  # the store is down: better one reply too many than silence
        logger.warning("channels.silence.tracker_unavailable", error=type(exc).__name__)
        return False
    return bool(tracker is not None and tracker.is_paused())


@lru_cache(maxsize=1)
def _file_responses() -> dict[str, list[dict[str, Any]]]:
    doc = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    responses: dict[str, list[dict[str, Any]]] = doc.get("responses") or {}
    return responses


def limit_request_size(bp: Blueprint, max_bytes: int) -> None:
    """Cap the body size the whole Rasa server reads (Sanic's default is 100 MB).

    Sanic reads REQUEST_MAX_SIZE for each new connection, so setting it before
    the server starts covers every route; a larger body gets HTTP 413.
    """

    @bp.listener("before_server_start")
    async def cap_request_size(app: Any, _: Any) -> None:
        app.config.REQUEST_MAX_SIZE = min(int(app.config.REQUEST_MAX_SIZE), max_bytes)
        logger.info("channels.request_max_size", bytes=app.config.REQUEST_MAX_SIZE)
