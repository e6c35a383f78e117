from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.db import models as m
from bot.db.session import make_engine


def test_migrations_match_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    engine.dispose()
    # Money columns are a TypeDecorator over BIGINT; alembic compares the stored type.
    assert diff == []
