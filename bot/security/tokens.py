"""Signed customer tokens: the host page vouches for who the user is.

The platform's site or app signs a short-lived JWT (HS256, shared secret)
whose `sub` is the customer id, `aud` this assistant, and whose lifetime
(`exp` − `iat`) is at most a configured maximum; the project's channels verify
it before any message reaches the assistant. Pure functions over PyJWT, no Rasa.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

import jwt

ALGORITHM = "HS256"
# A token that would be valid for longer than this is refused, however it was signed:
# a leaked long-lived token would otherwise open the customer's conversation for days.
DEFAULT_MAX_LIFETIME = timedelta(hours=24)
# Customer ids are short ASCII handles; anything else is refused rather than
# passed to the database.
CUSTOMER_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
# A compact JWS: three base64url parts. Anything else (a header with a byte over 0x7f arrives as a
# lone surrogate, which PyJWT's UTF-8 encoding raises on) is refused before PyJWT sees it.
COMPACT_JWT = re.compile(r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*\Z")
MAX_TOKEN_CHARS = 8192

TokenProblem = Literal["missing", "expired", "invalid"]


class TokenError(Exception):
    """A token that cannot be trusted; `kind` says why (for the user's message)."""

    def __init__(self, kind: TokenProblem, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind: TokenProblem = kind


@dataclass(frozen=True)
class VerifiedToken:
    """What a valid token establishes."""

    customer_id: str
    expires_at: datetime


def is_customer_id(value: object) -> bool:
    """Whether `value` has the shape of a customer id."""
    return isinstance(value, str) and bool(CUSTOMER_ID.match(value))


def verify_token(
    token: str | None,
    *,
    secret: str,
    issuer: str,
    audience: str,
    max_lifetime: timedelta = DEFAULT_MAX_LIFETIME,
    now: datetime | None = None,
    leeway_seconds: int = 10,
) -> VerifiedToken:
    """Check a token's signature, issuer, audience, lifetime and expiry and return its customer.

    Args:
        token: the compact JWT from the host page (None or "" when absent).
        secret: the shared HS256 secret.
        issuer: the expected `iss` claim.
        audience: the expected `aud` claim (this assistant); a token for another service is refused.
        max_lifetime: the longest `exp` − `iat` accepted.
        now: the current time (tests); defaults to the clock.
        leeway_seconds: tolerated clock skew for `exp` and `iat`.

    Returns:
        The verified customer and the token's expiry.

    Raises:
        TokenError: kind "missing", "expired" or "invalid" (bad signature,
            algorithm, issuer or audience, a missing or malformed claim, a
            lifetime over the maximum, issued in the future).
    """
    if not token:
        raise TokenError("missing")
    if not secret:
        raise TokenError("invalid", "no secret configured")
    if not audience:
        raise TokenError("invalid", "no audience configured")
    if len(token) > MAX_TOKEN_CHARS or not COMPACT_JWT.match(token):
        raise TokenError("invalid", "not a compact JWT")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # only HS256: never "none", never an algorithm switch
            issuer=issuer,
            audience=audience,
            # expiry and issue time are checked below against `now`, so tests need no clock tricks
            options={"require": ["sub", "iss", "aud", "iat", "exp"], "verify_exp": False, "verify_iat": False},
        )
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:  # whatever fails to verify is invalid
        raise TokenError("invalid", type(exc).__name__) from exc
    expires, issued = claims["exp"], claims["iat"]
    if not _is_number(expires) or not _is_number(issued):
        raise TokenError("invalid", "exp or iat is not a number")
    if expires - issued > max_lifetime.total_seconds():
        raise TokenError("invalid", "lifetime over the maximum")
    current = (now or datetime.now(timezone.utc)).timestamp()
    if issued > current + leeway_seconds:
        raise TokenError("invalid", "issued in the future")
    if current > expires + leeway_seconds:
        raise TokenError("expired")
    customer = claims["sub"]
    if not is_customer_id(customer):
        raise TokenError("invalid", "sub is not a customer id")
    return VerifiedToken(customer_id=customer, expires_at=datetime.fromtimestamp(expires, timezone.utc))


def _is_number(value: object) -> bool:
    # finite only: a NaN `iat` would pass every comparison below (a 10-year token would slip past the
    # lifetime check), and a huge or infinite `exp` cannot be turned into a date
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def mint_token(
    customer_id: str,
    *,
    secret: str,
    issuer: str,
    audience: str,
    ttl: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> str:
    """Sign a token for `customer_id` (what the host platform does; here for demos and tests).

    Raises:
        ValueError: the customer id is malformed.
    """
    if not is_customer_id(customer_id):
        raise ValueError("not a customer id")
    issued = now or datetime.now(timezone.utc)
    claims = {
        "sub": customer_id,
        "iss": issuer,
        "aud": audience,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
