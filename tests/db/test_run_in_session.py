"""bot.db.session.run_in_session: one transaction in a worker thread (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import models as m
from bot.db import queries
from bot.db.session import run_in_session, session_scope


def _note_audit(session: Session, entity_id: str, *, fail: bool = False) -> int:
    queries.append_audit(
        session,
        actor="test",
        action="probe",
        entity_type="probe",
        entity_id=entity_id,
        before=None,
        after=None,
        channel="test",
    )
    session.flush()
    if fail:
        raise RuntimeError("boom")
    return threading.get_ident()


def _probes(factory: sessionmaker) -> list[str]:
    with session_scope(factory) as s:
        return list(s.execute(select(m.AuditEntry.entity_id).where(m.AuditEntry.action == "probe")).scalars())


async def test_commits_on_success_off_the_event_loop_thread(factory: sessionmaker) -> None:
    thread = await run_in_session(factory, _note_audit, "a")
    assert thread != threading.get_ident()
    assert _probes(factory) == ["a"]


async def test_rolls_back_on_error(factory: sessionmaker) -> None:
    with pytest.raises(RuntimeError):
        await run_in_session(factory, _note_audit, "b", fail=True)
    assert _probes(factory) == []
