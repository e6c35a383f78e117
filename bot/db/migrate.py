"""Bring a database to the latest schema with Alembic."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from bot.config import REPO_ROOT


def upgrade_to_head(database_url: str) -> None:
    """Apply every migration in migrations/ to `database_url`."""
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")
