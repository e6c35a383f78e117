"""Settings read once from the environment (the only place that reads it)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.service_hours import ServiceHours, parse_service_hours

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'var' / 'bot.db'}"
_TRUE = {"1", "true", "yes", "on"}


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
    """

    database_url: str = DEFAULT_DATABASE_URL
    dev_mode: bool = False
    timezone: str = "Asia/Shanghai"
    code_sender: str = "outbox"
    dev_outbox: str = str(REPO_ROOT / "var" / "dev_outbox.jsonl")
    service_hours: str = "09:00-21:00"
    handoff_average_minutes: float = 5.0
    agents_on_duty: int = 1
    agent_users: str = ""
    console_secret: str = ""
    events_amqp_url: str = ""
    events_exchange: str = "credit_assistant.handoff"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from environment variables (see README, Configuration)."""
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            dev_mode=env.get("BOT_DEV_MODE", "").strip().lower() in _TRUE,
            timezone=env.get("BOT_TIMEZONE") or "Asia/Shanghai",
            code_sender=env.get("BOT_CODE_SENDER") or "outbox",
            dev_outbox=env.get("BOT_DEV_OUTBOX") or str(REPO_ROOT / "var" / "dev_outbox.jsonl"),
            service_hours=env.get("BOT_SERVICE_HOURS") or "09:00-21:00",
            handoff_average_minutes=float(env.get("BOT_HANDOFF_AVERAGE_MINUTES") or 5),
            agents_on_duty=int(env.get("BOT_AGENTS_ON_DUTY") or 1),
            agent_users=env.get("BOT_AGENT_USERS", ""),
            console_secret=env.get("BOT_CONSOLE_SECRET", ""),
            events_amqp_url=env.get("BOT_EVENTS_AMQP_URL", ""),
            events_exchange=env.get("BOT_EVENTS_EXCHANGE") or "credit_assistant.handoff",
        )

    def hours(self) -> ServiceHours:
        """Agents' service hours (raises ValueError on a malformed BOT_SERVICE_HOURS)."""
        return parse_service_hours(self.service_hours, self.timezone)

    @property
    def zone(self) -> ZoneInfo:
        """The business timezone as a tzinfo."""
        return ZoneInfo(self.timezone)
