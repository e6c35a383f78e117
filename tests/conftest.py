"""Shared fixtures: databases on SQLite and PostgreSQL, seeded with the demo customers."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.db import models as m
from bot.db.migrate import upgrade_to_head
from bot.db.seed import ensure_seeded
from bot.db.session import make_engine, session_factory, session_scope
from tests.environment import unavailable

# The development server pair shared by tests/e2e and tests/browser.
pytest_plugins = ["tests.live_servers"]

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
TODAY = date(2026, 11, 22)
T = TypeVar("T")


def _reset_postgres(url: str) -> None:
    """Start from an empty `test` database: drop what a previous run left."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL test database, migrated once per run. Never skipped: `make test` starts it."""
    try:
        _reset_postgres(POSTGRES_URL)
    except Exception as exc:  # pragma: no cover - environment problem, reported clearly
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable ({exc}); run `make services`.")
    upgrade_to_head(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def tracker_database(postgres_url: str) -> str:
    """A database of this run's own for Rasa's tracker tables (`<test database>_tracker`).

    Rasa's SQL tracker store creates its `events` table where it points; in the
    account database that table would break the migrations-match-models check.
    """
    from urllib.parse import urlparse

    name = f"{urlparse(postgres_url).path.lstrip('/')}_tracker"
    engine = make_engine(postgres_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name


@pytest.fixture
def sql_tracker_store(postgres_url: str, tracker_database: str) -> Iterator[Any]:
    """Makes production tracker stores (`RedactingSQLTrackerStore`) on the run's tracker database.

    Called with the domain and any other store arguments; each store's connections are closed afterwards.
    """
    from sqlalchemy.engine import make_url

    from channels.redacting_store import RedactingSQLTrackerStore  # (loads Rasa: only where used)

    url = make_url(postgres_url)
    made: list[Any] = []

    def make(domain: Any, **kwargs: Any) -> Any:
        store = RedactingSQLTrackerStore(
            domain,
            dialect="postgresql",
            host=url.host,
            port=url.port,
            db=tracker_database,
            username=url.username,
            password=url.password or "",
            **kwargs,
        )
        made.append(store)
        return store

    yield make
    for store in made:
        store.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade_to_head(f"sqlite:///{path}")
    return path


def _empty_tables(factory: sessionmaker) -> None:
    with session_scope(factory) as session:
        for table in reversed(m.Base.metadata.sorted_tables):
            session.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "bot.db"
        path.write_bytes(request.getfixturevalue("sqlite_template").read_bytes())
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_tables(session_factory(url))
    return url


@pytest.fixture
def factory(db_url: str) -> sessionmaker:
    """Session factory for the test database, seeded with catalog and demo customers."""
    factory = session_factory(db_url)
    with session_scope(factory) as session:
        ensure_seeded(session, today=TODAY)
    return factory


@pytest.fixture
def session(factory: sessionmaker) -> Iterator[Session]:
    """A session in a transaction that commits at the end of the test."""
    with session_scope(factory) as s:
        yield s


# Fixtures that talk to a local server: tests using them are marked `services`,
# so `make test-fast` (-m "not services ...") runs without PostgreSQL, Redis or RabbitMQ.
SERVICE_FIXTURES = frozenset({"postgres_url", "amqp_url", "redis_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a local server, whichever way it gets one."""
    for item in items:
        if SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous test code.

    In a thread of its own: Playwright's sync API keeps an event loop running in
    the main thread, where asyncio.run would refuse to start.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """The local RabbitMQ; with CI=true a broker that is down fails the test instead of skipping it."""
    import aio_pika

    async def probe() -> None:
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
        await connection.close()

    try:
        run_async(probe())
    except Exception as exc:  # pragma: no cover - environment problem, reported clearly
        message = f"RabbitMQ at {AMQP_URL} is not reachable ({exc}); run `make services`."
        unavailable(message)
    return AMQP_URL


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local Redis (tests use keys of their own); with CI=true a Redis that is down fails the test."""
    import redis  # type: ignore[import-untyped]

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=5).ping()
    except Exception as exc:  # pragma: no cover - environment problem, reported clearly
        message = f"Redis at {REDIS_URL} is not reachable ({exc}); run `make services`."
        unavailable(message)
    return REDIS_URL


# ── fuzz figures (tests/fuzzing.py): cases, failures, time and the slowest answer per target ──
_FUZZ_RUN: dict[str, Any] = {"failed": [], "seconds": 0.0, "tests": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the fuzz properties that ran and failed, and their time."""
    if "fuzz" not in report.keywords or report.when != "call":
        return
    _FUZZ_RUN["tests"] += 1
    _FUZZ_RUN["seconds"] += report.duration
    if report.failed:
        _FUZZ_RUN["failed"].append(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the fuzz figures (when fuzz tests ran) and keep them in results/fuzz/figures.json."""
    fuzzing = sys.modules.get("tests.fuzzing")
    if fuzzing is None or not _FUZZ_RUN["tests"]:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"fuzz figures (HYPOTHESIS_PROFILE={fuzzing.PROFILE})")
    targets = {name: vars(figures) for name, figures in sorted(fuzzing.FIGURES.items())}
    for name, f in targets.items():
        write(
            f"  {name:<32} {f['cases']:>6} cases  {f['requests']:>6} requests  "
            f"max latency {f['max_latency'] * 1000:8.1f} ms  {f['seconds']:6.1f} s in requests"
        )
    total = sum(f["cases"] for f in targets.values())
    failed = _FUZZ_RUN["failed"]
    write(
        f"  total: {total} cases in {_FUZZ_RUN['tests']} properties, {len(failed)} failed, "
        f"{_FUZZ_RUN['seconds']:.1f} s"
    )
    for nodeid in failed:
        write(f"  FAILED {nodeid}")
    out = Path(__file__).resolve().parent.parent / "results" / "fuzz" / "figures.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    figures = {"profile": fuzzing.PROFILE, "total_cases": total, **_FUZZ_RUN, "targets": targets}
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
