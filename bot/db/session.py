"""The one place database sessions are opened.

An engine is built lazily per URL (never at import), and every unit of work
runs inside `session_scope`, which commits on success and rolls back on error,
so a multi-row change (several unbinds, a request plus its audit row) is all
or nothing. `run_in_session` does the same from async code (the action server,
the Rasa server's channels), in a worker thread so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

P = ParamSpec("P")
T = TypeVar("T")


def make_engine(url: str) -> Engine:
    """Create an engine configured for the backend in `url`."""
    kwargs: dict[str, Any] = {"future": True, "pool_pre_ping": True}
    if url.startswith("sqlite"):
        # Actions run database work in worker threads (asyncio.to_thread).
        kwargs["connect_args"] = {"check_same_thread": False}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the e2e tests read the database while the action server writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@lru_cache(maxsize=8)
def session_factory(url: str) -> sessionmaker:
    """Return the (cached) session factory for a database URL."""
    return sessionmaker(bind=make_engine(url), future=True, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker) -> Iterator[Session]:
    """Open a session in a transaction: commit on success, roll back on error."""
    with factory.begin() as session:
        yield session


async def run_in_session(
    factory: sessionmaker, fn: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run `fn(session, *args, **kwargs)` in one transaction (`session_scope`) in a worker thread.

    The servers handle every conversation and HTTP request on one event loop, so
    blocking database work must not run on it.
    """

    def work() -> T:
        with session_scope(factory) as session:
            return fn(session, *args, **kwargs)

    return await asyncio.to_thread(work)


# What a database that is down, restarting or out of reach raises (not a wrong query or a broken rule).
_UNREACHABLE = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError)


def is_unreachable(error: BaseException) -> bool:
    """Whether `error` (or what caused it) says the database could not be used right now.

    The action server answers such a failure with a polite "not available, try later" and a
    handoff offer instead of an error (channels/action_server.py); anything else stays a bug.
    """
    seen: BaseException | None = error
    for _ in range(5):  # a short cause chain: never loop on a cycle
        if seen is None:
            return False
        if isinstance(seen, _UNREACHABLE):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
