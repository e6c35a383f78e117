"""Alembic environment: migrates the database named by the project's settings."""

from __future__ import annotations

from alembic import context

from bot.config import Settings
from bot.db.models import Base
from bot.db.session import make_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    # An explicit URL (tests, bot.cli) wins over the environment.
    return config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            # batch mode lets ALTER TABLE work on SQLite too
            context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()  # no pooled connections left behind


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
