"""Token checks shared by the project's input channels.

Both channels turn a request into an `Identity`: in production only a valid
signed token yields one; in development mode a request without a token may
still name its conversation itself (sender id = customer, for demos and tests).
The verified customer then becomes the Rasa sender id and is written into the
message metadata, replacing whatever the client sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sanic import Blueprint, Sanic

from bot.config import Settings
from bot.security.identity import VERIFIED_CUSTOMER
from bot.security.message_limits import clean_text
from bot.security.tokens import TokenError, TokenProblem, VerifiedToken, is_customer_id, verify_token
from channels.limits import domain_text

# Which domain response explains each problem to the user (texts live in domain.yml).
RESPONSE_FOR: dict[TokenProblem, str] = {
    "missing": "utter_identity_unknown",
    "invalid": "utter_identity_unknown",
    "expired": "utter_auth_expired",
}
# Client metadata the channels keep: what the widget displayed for a button
# click, so a reloaded history shows the title instead of the raw payload.
DISPLAY_TEXT = "display_text"
_MAX_DISPLAY = 200


@dataclass(frozen=True)
class Identity:
    """Who sends a message: a verified customer, or (development only) an unverified sender."""

    sender_id: str
    verified: VerifiedToken | None

    def metadata(self, client: Any = None) -> dict[str, Any]:
        """Message metadata: the verified customer, never anything the client claims about it."""
        metadata: dict[str, Any] = {}
        if isinstance(client, dict) and isinstance(client.get(DISPLAY_TEXT), str):
            metadata[DISPLAY_TEXT] = clean_text(client[DISPLAY_TEXT][:_MAX_DISPLAY])
        if self.verified is not None:
            metadata[VERIFIED_CUSTOMER] = self.verified.customer_id
        return metadata


def identify(token: str | None, dev_sender: str | None, settings: Settings) -> Identity:
    """The identity of a request carrying `token` (and, in development, a self-chosen sender).

    Raises:
        TokenError: no usable token (in development: a bad token, neither token nor sender, or a
            sender that is no customer id's shape: it becomes a key in every store).
    """
    if token or not settings.dev_mode:
        verified = verify_token(
            token,
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            max_lifetime=settings.jwt_max_lifetime,
        )
        return Identity(sender_id=verified.customer_id, verified=verified)
    if not dev_sender:
        raise TokenError("missing")
    if not is_customer_id(dev_sender):
        raise TokenError("invalid", "the sender is not a customer id")
    return Identity(sender_id=dev_sender, verified=None)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def polite_text(app: Any, problem: TokenProblem) -> str:
    """The domain's text for `problem`: from the loaded model, else from the repository's domain.yml.

    (A REST client has no wording of its own: the refusal is never without text, model or not.)
    """
    return domain_text(app, RESPONSE_FOR[problem])


def refusal(app: Any, problem: TokenProblem) -> dict[str, Any]:
    """The message a refused request gets: a polite text and a machine-readable reason."""
    return {"text": polite_text(app, problem), "sender": "system", "auth_error": problem}


def refuse_exposed_dev_mode(bp: Blueprint, settings: Settings, server: str = "Rasa server") -> None:
    """Stop the server before it listens when development mode would be reachable from other machines.

    `rasa run` binds 0.0.0.0 unless given `--interface`; scripts/run.sh passes 127.0.0.1 in development.
    """

    @bp.listener("before_server_start")
    async def check_bind(app: Sanic, _: Any) -> None:
        settings.require_loopback_bind(app.state.host, server)
