"""Settings read once from the environment (the only place that reads it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.handoff.service_hours import ServiceHours, parse_service_hours
from bot.security.local_only import is_loopback
from bot.security.message_limits import Rate
from bot.security.origins import origin_of, parse_widget_origins

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'var' / 'bot.db'}"
# Debian's fonts-wqy-zenhei (TrueType outlines, which reportlab can embed; scripts/setup.sh installs it).
DEFAULT_CERTIFICATE_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
DEFAULT_JWT_ISSUER = "credit-assistant"
DEFAULT_JWT_AUDIENCE = "credit-assistant-chat"
DEFAULT_JWT_MAX_LIFETIME_SECONDS = 24 * 3600
# HMAC keys shorter than the hash output are brute-forceable (RFC 7518 §3.2).
MIN_SECRET_BYTES = 32
# Development mode already trusts sender ids, so a well-known token secret
# there exposes nothing more; it lets `make token` and the demo page agree.
DEV_JWT_SECRET = "development-only-token-secret-not-for-production"
# The one truth table for on/off settings (BOT_DEV_MODE); scripts/run.sh asks
# `python -m bot.cli dev-mode` instead of parsing the flag itself.
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
# Message rates the channels allow (README, Configuration): per sender (a customer) and per client IP.
DEFAULT_SENDER_RATE = "20/60"
DEFAULT_IP_RATE = "300/60"
# Largest HTTP request body the Rasa server reads (REST bodies, socket.io long-polling posts).
# A message of MAX_MESSAGE_CHARS Chinese characters is ~6 KB as JSON even with \u escapes.
DEFAULT_MAX_REQUEST_BYTES = 64 * 1024
# The business timezone (BOT_TIMEZONE): "today", service hours and every date shown to a customer.
DEFAULT_TIMEZONE = "Asia/Shanghai"


def business_zone(env: Mapping[str, str] | None = None) -> ZoneInfo:
    """The business timezone alone (BOT_TIMEZONE), for code that only writes dates (`Settings.zone` is the same)."""
    source = os.environ if env is None else env
    return ZoneInfo(source.get("BOT_TIMEZONE") or DEFAULT_TIMEZONE)


class ConfigError(RuntimeError):
    """A setting that makes it unsafe to start."""


def parse_flag(value: str | None, name: str = "flag") -> bool:
    """An on/off setting: 1/true/yes/on or 0/false/no/off/empty, any case; anything else is an error.

    A typo such as "ture" stops the start-up instead of silently meaning either mode.

    Raises:
        ConfigError: a value that is neither on nor off.
    """
    word = (value or "").strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of 1/true/yes/on or 0/false/no/off, not {value!r}")


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """Runtime configuration.

    Attributes:
        database_url: SQLAlchemy URL; SQLite under var/ unless DATABASE_URL is set.
        dev_mode: when on, a channel's sender id is taken as the customer id.
            Off by default so that a production deployment never trusts it.
        timezone: the platform's business timezone; "today" for due dates and
            overdue days is a date in this zone, not in the server's.
        code_sender: how one-time codes are delivered: "outbox" (development
            only: log + outbox file) or "package.module:Class" (an SMS gateway).
        dev_outbox: the development outbox file that tests read codes from.
        public_url: the Rasa server's address as users reach it; certificate
            download and verification links start with it.
        certificate_font: a TrueType (.ttf/.ttc) CJK font embedded in certificates.
        service_hours: when human agents are on duty, "HH:MM-HH:MM" in `timezone`
            ("00:00-00:00" = round the clock); outside it customers leave a message.
        handoff_average_minutes: average handling time per ticket, for the expected wait.
        agents_on_duty: how many agents work the queue in parallel, for the expected wait.
        agent_users: console logins, "login:显示名:secret" separated by commas; the
            secret is a pbkdf2_sha256 hash (`python -m bot.cli hash-password`), or
            a plain password in development mode only.
        console_secret: key that signs console session cookies; required outside
            development mode (a random one is made per process in development).
        events_amqp_url: RabbitMQ URL for handoff/ticket events; empty = off.
        events_exchange: the topic exchange those events are published to.
        jwt_secret: HS256 secret shared with the host platform that signs
            customer tokens (BOT_JWT_SECRET).
        jwt_issuer: the `iss` those tokens must carry (BOT_JWT_ISSUER).
        jwt_audience: the `aud` those tokens must carry: this assistant (BOT_JWT_AUDIENCE).
        jwt_max_lifetime_seconds: the longest `exp` − `iat` accepted (BOT_JWT_MAX_LIFETIME_SECONDS).
        action_secret: shared secret the Rasa server sends to the action
            server in the X-Action-Secret header (BOT_ACTION_SECRET).
        widget_origins: the origins of the pages that embed the chat widget
            (BOT_WIDGET_ORIGINS), the only sites Rasa's CORS answers; in development
            mode the Rasa server's own origin by default, in production none.
        console_login_max_failures: failed console logins per login within the
            window that lock that login out (BOT_CONSOLE_LOGIN_MAX_FAILURES).
        console_address_max_failures: failed console logins per client address within
            the window that lock that address out (BOT_CONSOLE_ADDRESS_MAX_FAILURES).
        console_failure_window_seconds: how long a failed login counts
            (BOT_CONSOLE_FAILURE_WINDOW_SECONDS).
        console_lockout_seconds: how long a locked-out login or address is refused
            (BOT_CONSOLE_LOCKOUT_SECONDS).
        sender_rate: messages per seconds one sender may send, "20/60", or "off"
            (BOT_RATE_LIMIT_SENDER).
        ip_rate: messages per seconds one client IP may send (BOT_RATE_LIMIT_IP).
        max_request_bytes: the largest HTTP request body the Rasa server reads
            (Sanic's REQUEST_MAX_SIZE, engine.io's max_http_buffer_size; BOT_MAX_REQUEST_BYTES).
    """

    database_url: str = DEFAULT_DATABASE_URL
    dev_mode: bool = False
    timezone: str = DEFAULT_TIMEZONE
    code_sender: str = "outbox"
    dev_outbox: str = str(REPO_ROOT / "var" / "dev_outbox.jsonl")
    public_url: str = "http://localhost:5005"
    certificate_font: str = DEFAULT_CERTIFICATE_FONT
    service_hours: str = "09:00-21:00"
    handoff_average_minutes: float = 5.0
    agents_on_duty: int = 1
    agent_users: str = ""
    console_secret: str = ""
    events_amqp_url: str = ""
    events_exchange: str = "credit_assistant.handoff"
    jwt_secret: str = ""
    jwt_issuer: str = DEFAULT_JWT_ISSUER
    jwt_audience: str = DEFAULT_JWT_AUDIENCE
    jwt_max_lifetime_seconds: int = DEFAULT_JWT_MAX_LIFETIME_SECONDS
    action_secret: str = ""
    widget_origins: tuple[str, ...] = ()
    console_login_max_failures: int = 5
    console_address_max_failures: int = 20
    console_failure_window_seconds: int = 900
    console_lockout_seconds: int = 900
    sender_rate: str = DEFAULT_SENDER_RATE
    ip_rate: str = DEFAULT_IP_RATE
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from environment variables (see README, Configuration)."""
        env = os.environ if environ is None else environ
        dev_mode = parse_flag(env.get("BOT_DEV_MODE"), "BOT_DEV_MODE")
        public_url = env.get("BOT_PUBLIC_URL") or "http://localhost:5005"
        try:
            # development: the demo page's origin (the Rasa server itself); production: only what is listed
            widget_origins = parse_widget_origins(
                env.get("BOT_WIDGET_ORIGINS") or (origin_of(public_url) if dev_mode else ""), dev_mode=dev_mode
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            dev_mode=dev_mode,
            timezone=env.get("BOT_TIMEZONE") or DEFAULT_TIMEZONE,
            code_sender=env.get("BOT_CODE_SENDER") or "outbox",
            dev_outbox=env.get("BOT_DEV_OUTBOX") or str(REPO_ROOT / "var" / "dev_outbox.jsonl"),
            public_url=public_url,
            certificate_font=env.get("BOT_CERTIFICATE_FONT") or DEFAULT_CERTIFICATE_FONT,
            service_hours=env.get("BOT_SERVICE_HOURS") or "09:00-21:00",
            handoff_average_minutes=float(env.get("BOT_HANDOFF_AVERAGE_MINUTES") or 5),
            agents_on_duty=int(env.get("BOT_AGENTS_ON_DUTY") or 1),
            agent_users=env.get("BOT_AGENT_USERS", ""),
            console_secret=env.get("BOT_CONSOLE_SECRET", ""),
            events_amqp_url=env.get("BOT_EVENTS_AMQP_URL", ""),
            events_exchange=env.get("BOT_EVENTS_EXCHANGE") or "credit_assistant.handoff",
            jwt_secret=env.get("BOT_JWT_SECRET") or (DEV_JWT_SECRET if dev_mode else ""),
            jwt_issuer=env.get("BOT_JWT_ISSUER") or DEFAULT_JWT_ISSUER,
            jwt_audience=env.get("BOT_JWT_AUDIENCE") or DEFAULT_JWT_AUDIENCE,
            jwt_max_lifetime_seconds=_positive(env, "BOT_JWT_MAX_LIFETIME_SECONDS", DEFAULT_JWT_MAX_LIFETIME_SECONDS),
            action_secret=env.get("BOT_ACTION_SECRET") or "",
            widget_origins=widget_origins,
            console_login_max_failures=_positive(env, "BOT_CONSOLE_LOGIN_MAX_FAILURES", 5),
            console_address_max_failures=_positive(env, "BOT_CONSOLE_ADDRESS_MAX_FAILURES", 20),
            console_failure_window_seconds=_positive(env, "BOT_CONSOLE_FAILURE_WINDOW_SECONDS", 900),
            console_lockout_seconds=_positive(env, "BOT_CONSOLE_LOCKOUT_SECONDS", 900),
            sender_rate=env.get("BOT_RATE_LIMIT_SENDER") or DEFAULT_SENDER_RATE,
            ip_rate=env.get("BOT_RATE_LIMIT_IP") or DEFAULT_IP_RATE,
            max_request_bytes=_positive(env, "BOT_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES),
        )

    def __post_init__(self) -> None:
        """Refuse combinations that must never run, whoever builds the settings.

        Raises:
            ConfigError: the public development token secret outside development mode.
        """
        if not self.dev_mode and self.jwt_secret == DEV_JWT_SECRET:
            # Anyone can read this secret in the repository and mint any customer's token with it.
            raise ConfigError("BOT_JWT_SECRET is the public development secret: refused outside development mode")

    def hours(self) -> ServiceHours:
        """Agents' service hours (raises ValueError on a malformed BOT_SERVICE_HOURS)."""
        return parse_service_hours(self.service_hours, self.timezone)

    def require_channel_secrets(self) -> None:
        """Refuse to serve users in production without a token secret.

        Raises:
            ConfigError: production mode and BOT_JWT_SECRET unset or too short.
        """
        if not self.dev_mode and len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"BOT_JWT_SECRET must be set to at least {MIN_SECRET_BYTES} bytes outside development mode"
            )

    def rates(self) -> tuple[Rate | None, Rate | None]:
        """The per-sender and per-IP message rates (None = unlimited).

        Raises:
            ConfigError: a malformed BOT_RATE_LIMIT_SENDER or BOT_RATE_LIMIT_IP.
        """
        try:
            return Rate.parse(self.sender_rate), Rate.parse(self.ip_rate)
        except ValueError as problem:
            raise ConfigError(f"BOT_RATE_LIMIT_SENDER / BOT_RATE_LIMIT_IP: {problem}") from None

    def require_action_secret(self) -> None:
        """Refuse to run the action server without the secret only Rasa knows.

        Raises:
            ConfigError: BOT_ACTION_SECRET unset, or too short outside development mode.
        """
        if not self.action_secret:
            raise ConfigError("BOT_ACTION_SECRET must be set (scripts/run.sh makes one for development)")
        if not self.dev_mode and len(self.action_secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"BOT_ACTION_SECRET must be at least {MIN_SECRET_BYTES} bytes outside development mode")

    def require_loopback_bind(self, host: str | None, server: str) -> None:
        """Refuse to serve development mode on an address other machines can reach.

        Development mode lets a request choose its customer, mints tokens for anyone with
        a public secret and opens Rasa's HTTP API: only the developer may reach it.

        Raises:
            ConfigError: development mode and `host` is not a loopback address.
        """
        if self.dev_mode and not is_loopback(host):
            raise ConfigError(
                f"{server}: BOT_DEV_MODE is on but the server would listen on {host or 'an unknown address'!r}; "
                "development mode serves only 127.0.0.1, localhost or ::1 (unset BOT_DEV_MODE to serve others)"
            )

    @property
    def jwt_max_lifetime(self) -> timedelta:
        """The longest token lifetime accepted (`exp` − `iat`)."""
        return timedelta(seconds=self.jwt_max_lifetime_seconds)

    @property
    def zone(self) -> ZoneInfo:
        """The business timezone as a tzinfo."""
        return ZoneInfo(self.timezone)
