"""Agent console logins: configured agents, password hashes, signed session cookies, CSRF tokens.

Agents come from BOT_AGENT_USERS ("login:显示名:secret", comma separated). The
secret is `pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>` (stdlib KDF; make
one with `python -m bot.cli hash-password`); a plain password is accepted in
development mode only. Every login attempt runs the key derivation once, for
unknown logins against a dummy hash, so the time an answer takes does not tell
which logins exist. A session cookie is "<login>.<expiry>.<session id>.<hmac>",
signed with BOT_CONSOLE_SECRET; the server remembers only the ids of sessions
logged out before they expired (`RevokedSessions`), so a copied cookie stops
working at logout. JSON POSTs carry an X-CSRF-Token derived from the session,
which another site cannot read, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

HASH_SCHEME = "pbkdf2_sha256"
HASH_ITERATIONS = 240_000
SESSION_SECONDS = 12 * 3600
_LOGIN = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")  # no "." so the session value splits unambiguously


class ConsoleConfigError(ValueError):
    """BOT_AGENT_USERS or the console secret cannot be used as configured."""


@dataclass(frozen=True)
class SessionCookie:
    """Name and scope of the session cookie (always HttpOnly and SameSite=Strict as well)."""

    name: str
    path: str
    secure: bool


def session_cookie(*, dev_mode: bool) -> SessionCookie:
    """The session cookie's name and attributes.

    Production: `__Host-console_session`, Secure, Path=/. Browsers accept such a cookie
    only over HTTPS, only from this exact host and without a Domain, so neither plain
    http nor a sibling subdomain can set, shadow or read it. Development runs over
    http://localhost, where browsers need not store a Secure or __Host- cookie, so it
    uses a plain `console_session` scoped to /console.
    """
    if dev_mode:
        return SessionCookie("console_session", "/console", secure=False)
    return SessionCookie("__Host-console_session", "/", secure=True)


@dataclass(frozen=True)
class AgentUser:
    """One agent who may log into the console."""

    login: str
    display_name: str
    secret: str  # a pbkdf2 hash, or (development only) the password itself


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = HASH_ITERATIONS) -> str:
    """A pbkdf2_sha256 hash string for BOT_AGENT_USERS."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{HASH_SCHEME}${iterations}${salt.hex()}${digest.hex()}"


def verify_password(user: AgentUser, password: str) -> bool:
    """Check a typed password against the configured secret in constant time."""
    if not user.secret.startswith(HASH_SCHEME + "$"):
        return hmac.compare_digest(user.secret.encode("utf-8"), password.encode("utf-8"))
    try:
        _, iterations, salt, expected = user.secret.split("$")
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


def _iterations(secret: str) -> int | None:
    parts = secret.split("$")
    if len(parts) != 4 or parts[0] != HASH_SCHEME or not parts[1].isdigit():
        return None
    return int(parts[1])


class AgentDirectory:
    """The configured agents, checked so that unknown and known logins cost the same time."""

    def __init__(self, users: dict[str, AgentUser]) -> None:
        self.users = users
        # As slow as the slowest configured hash: an unknown login is never answered faster.
        iterations = max(filter(None, (_iterations(u.secret) for u in users.values())), default=HASH_ITERATIONS)
        self._dummy = AgentUser("", "", hash_password(secrets.token_hex(16), iterations=iterations))

    def authenticate(self, login: str, password: str) -> AgentUser | None:
        """The agent whose login and password these are, else None; runs one key derivation either way.

        Blocking (PBKDF2, a fraction of a second): call it off the event loop.
        """
        user = self.users.get(login)
        if user is None or _iterations(user.secret) is None:
            # unknown login, or a development plain password: derive a key all the same
            verify_password(self._dummy, password)
        if user is None:
            return None
        return user if verify_password(user, password) else None


def parse_agent_users(spec: str, *, dev_mode: bool) -> dict[str, AgentUser]:
    """Parse BOT_AGENT_USERS; plain-text passwords are refused outside development mode."""
    users: dict[str, AgentUser] = {}
    for entry in filter(None, (e.strip() for e in spec.split(","))):
        parts = entry.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise ConsoleConfigError("each agent must be login:display name:secret")
        login, name, secret = parts
        if not _LOGIN.match(login):
            raise ConsoleConfigError(f"agent login {login!r}: letters, digits, _ and - only")
        if not secret.startswith(HASH_SCHEME + "$") and not dev_mode:
            raise ConsoleConfigError(f"agent {login}: plain passwords are for development mode only")
        users[login] = AgentUser(login, name, secret)
    return users


def console_secret(configured: str, *, dev_mode: bool) -> bytes:
    """The cookie-signing key; outside development mode it must be configured (≥ 32 characters)."""
    if configured:
        if len(configured) < 32 and not dev_mode:
            raise ConsoleConfigError("BOT_CONSOLE_SECRET must be at least 32 characters")
        return configured.encode("utf-8")
    if not dev_mode:
        raise ConsoleConfigError("BOT_CONSOLE_SECRET is required outside development mode")
    return secrets.token_bytes(32)  # development: sessions end when the server restarts


def _sign(secret: bytes, payload: str) -> str:
    return hmac.new(secret, payload.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ConsoleSession:
    """A valid session: whose, until when (epoch seconds), and its id (for logging out)."""

    login: str
    expires: int
    session_id: str


def make_session(secret: bytes, login: str, *, now: float | None = None) -> str:
    """A signed session value for `login` with a fresh id, valid SESSION_SECONDS."""
    expiry = int((now if now is not None else time.time()) + SESSION_SECONDS)
    payload = f"{login}.{expiry}.{secrets.token_hex(16)}"
    return f"{payload}.{_sign(secret, payload)}"


def read_session(secret: bytes, value: str | None, *, now: float | None = None) -> ConsoleSession | None:
    """The session in a valid, unexpired session value, else None."""
    if not value or value.count(".") != 3:
        return None
    payload, signature = value.rsplit(".", 1)
    login, expiry, session_id = payload.split(".")
    if not hmac.compare_digest(_sign(secret, payload).encode(), signature.encode("utf-8", "replace")):
        return None
    try:
        expires = int(expiry)
    except ValueError:
        return None
    return None if expires < (now if now is not None else time.time()) else ConsoleSession(login, expires, session_id)


class RevokedSessions:
    """Ids of sessions logged out before they expired (in memory; each is forgotten once it would have expired).

    The clock is injected (epoch seconds, like the sessions' expiry) for tests.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._until: dict[str, int] = {}

    def revoke(self, session: ConsoleSession) -> None:
        """Log `session` out: its cookie, wherever it was copied to, no longer opens the console."""
        now = self.clock()
        self._until = {sid: until for sid, until in self._until.items() if until >= now}
        self._until[session.session_id] = session.expires

    def is_revoked(self, session: ConsoleSession) -> bool:
        """Whether `session` was logged out."""
        return session.session_id in self._until


def csrf_token(secret: bytes, session_value: str) -> str:
    """The CSRF token that goes with a session (sent back in X-CSRF-Token)."""
    return _sign(secret, "csrf:" + session_value)


def csrf_matches(secret: bytes, session_value: str, given: str | None) -> bool:
    """Whether `given` is the session's CSRF token, compared in constant time (no byte-by-byte guessing)."""
    expected = csrf_token(secret, session_value).encode()
    return bool(session_value) and hmac.compare_digest(expected, (given or "").encode("utf-8", "replace"))
