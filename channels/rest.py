"""REST input channel bound to the signed customer token.

POST /webhooks/rest/webhook with `Authorization: Bearer <token>` and
{"message": "..."}: the conversation is the token's customer, whatever
"sender" or "metadata" the body says. Without a valid token the answer is
HTTP 401 with one polite message and nothing reaches the assistant. In
development mode a request without a token keeps Rasa's stock behaviour
(the body's "sender" is the customer), which the e2e tests and demos use.
A message over MAX_MESSAGE_CHARS gets HTTP 413 and one polite message, a
blank one HTTP 400, a client or sender over its rate HTTP 429
(channels/limits.py); none reaches the assistant. A body that is not a JSON
object, or whose message is not a string, gets HTTP 400 with a JSON error.
The text loses lone surrogates, control characters and bidirectional
overrides before anything reads it, and a turn in which the assistant said
nothing (or failed) still gets one polite reply (bot.security.no_silence).
The channel also caps the server's request body size, and drops entity
values outside the contract from `/intent{...}` payloads (bot.nlu.contract),
so nobody can make the bot repeat their text.
Registered in credentials.yml as `channels.rest.TokenRestInput`.
"""

from __future__ import annotations

import inspect
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import Settings
from bot.core.catalog import load_catalog
from bot.nlu.contract import clean_payload
from bot.security.message_limits import clean_text
from bot.security.tokens import TokenError
from channels import turn_cost
from channels.auth import bearer_token, identify, refusal, refuse_exposed_dev_mode
from channels.failures import failure_fields, is_outage
from channels.limits import (
    HTTP_STATUS,
    TOO_LARGE_STATUS,
    client_ip,
    gate_for,
    limit_request_size,
    refusal_message,
    silence_text,
)

logger = structlog.get_logger()


class TokenRestInput(RestInput):
    """Rasa's REST channel, with the sender and metadata taken from a verified token."""

    @classmethod
    def name(cls) -> str:
        # Same name as the stock channel, so the documented URL stays /webhooks/rest/webhook.
        return "rest"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.settings.require_channel_secrets()
        self.gate = gate_for(self.settings)
        self.catalog = load_catalog()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenRestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Health check and the webhook."""
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)
        refuse_exposed_dev_mode(webhook, self.settings)
        limit_request_size(webhook, self.settings.max_request_bytes)
        turn_cost.freeze_after_start(webhook)

        @webhook.exception(PayloadTooLarge)
        async def too_large(request: Request, _: Exception) -> HTTPResponse:
            # a body over the server's size limit: the same polite reply as an over-long message
            return response.json([refusal_message(request.app, "too_long")], status=TOO_LARGE_STATUS)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = self.gate.admit_client(client_ip(request))
            if refused is not None:
                logger.info("rest.message.refused", reason=refused)
                return response.json([refusal_message(request.app, refused)], status=HTTP_STATUS[refused])
            try:
                body = request.json
            except InvalidUsage:
                return response.json({"error": "the body must be JSON"}, status=400)
            if not isinstance(body, dict):
                return response.json({"error": "the body must be a JSON object"}, status=400)
            try:
                who = identify(
                    bearer_token(request.headers.get("Authorization")), _text(body.get("sender")), self.settings
                )
            except TokenError as problem:
                logger.info("rest.token.refused", reason=problem.kind)
                return response.json([refusal(request.app, problem.kind)], status=401)
            text = _text(body.get("message"))
            if text is None:
                return response.json({"error": "message must be a string"}, status=400)
            text = clean_text(text)
            refused = self.gate.admit_message(who.sender_id, text)
            if refused is not None:
                logger.info("rest.message.refused", reason=refused, length=len(text))
                return response.json([refusal_message(request.app, refused)], status=HTTP_STATUS[refused])
            text = clean_payload(text, self.catalog)  # a typed /intent{...} keeps only the contract's values
            collector = CollectingOutputChannel()
            message = UserMessage(
                text, collector, who.sender_id, input_channel=self.name(), metadata=who.metadata(body.get("metadata"))
            )
            failed = outage = False
            try:
                await on_new_message(message)
            except CancelledError:  # never the text: its length and the conversation (channels.failures)
                failed = True
                logger.error("rest.message.received.timeout", length=len(text), sender_id=who.sender_id)
            except Exception as exc:
                failed, outage = True, is_outage(exc)
                logger.error("rest.message.received.failure", **failure_fields(exc, text=text, sender_id=who.sender_id))
            said = await silence_text(
                request.app, who.sender_id, sent=len(collector.messages), failed=failed, outage=outage
            )
            if said is not None:
                await collector.send_text_message(who.sender_id, said)
            return response.json(collector.messages)

        return webhook


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
