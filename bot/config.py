"""Settings read once from the environment (the only place that reads it)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'var' / 'bot.db'}"
# Debian's fonts-wqy-zenhei (TrueType outlines, which reportlab can embed; scripts/setup.sh installs it).
DEFAULT_CERTIFICATE_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
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
        public_url: the Rasa server's address as users reach it; certificate
            download and verification links start with it.
        certificate_font: a TrueType (.ttf/.ttc) CJK font embedded in certificates.
    """

    database_url: str = DEFAULT_DATABASE_URL
    dev_mode: bool = False
    timezone: str = "Asia/Shanghai"
    code_sender: str = "outbox"
    dev_outbox: str = str(REPO_ROOT / "var" / "dev_outbox.jsonl")
    public_url: str = "http://localhost:5005"
    certificate_font: str = DEFAULT_CERTIFICATE_FONT

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
            public_url=env.get("BOT_PUBLIC_URL") or "http://localhost:5005",
            certificate_font=env.get("BOT_CERTIFICATE_FONT") or DEFAULT_CERTIFICATE_FONT,
        )

    @property
    def zone(self) -> ZoneInfo:
        """The business timezone as a tzinfo."""
        return ZoneInfo(self.timezone)
