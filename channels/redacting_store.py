"""Tracker stores that redact personal numbers before a conversation is stored.

Configured by module path in endpoints.yml (`RedactingInMemoryTrackerStore`)
and endpoints.production.yml (`RedactingSQLTrackerStore`); Rasa builds a custom
store as `Class(host=url, domain=domain, event_broker=broker, **other keys)`.

Rasa fetches a conversation once per message, runs the actions on that tracker
(the action server gets the text as typed, so a one-time code can be checked
and a callback number put into the ticket row within the turn), then saves it:
this is the single point where what is kept is decided. `save` hands the
store a copy whose events went through bot.security.redaction.redact_events
(user and agent texts, parsed text and entities, code/phone/message slots);
the next message reads that copy back. The event broker streams the redacted
events too.

`erase` removes a conversation altogether (a data-deletion request approved).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy
import sqlalchemy.orm
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import (
    FailSafeTrackerStore,
    InMemoryTrackerStore,
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.security.redaction import redact_events
from channels import action_failures, model_loading, turn_cost
from channels.failures import TrackerStoreUnavailable
from channels.kept_trackers import KeptConversations

# Every Rasa server loads its tracker store from here (endpoints*.yml): the place to put the
# cost-per-turn cuts in, before the first turn. They patch Rasa 3.6 internals, so an operator
# can switch them off (BOT_TURN_COST_CUTS=off) if a Rasa upgrade or an incident calls for it.
TURN_COST_CUTS = turn_cost.install_unless_disabled()
if TURN_COST_CUTS:
    # Before the model loads (the tracker store is created first): ~400 MB less per Rasa server.
    model_loading.install()
# A failed custom action answers with an apology (channels/action_failures.py): behaviour, always on.
action_failures.install()


def redacted_tracker(tracker: DialogueStateTracker, domain: Domain) -> DialogueStateTracker:
    """`tracker` with its personal numbers masked (the same object when there is nothing to mask)."""
    events = [event.as_dict() for event in tracker.events]
    cleaned = redact_events(events)
    if all(a is b for a, b in zip(events, cleaned, strict=False)):
        return tracker
    return DialogueStateTracker.from_dict(
        tracker.sender_id, cleaned, domain.slots, max_event_history=tracker._max_event_history
    )


class RedactingInMemoryTrackerStore(InMemoryTrackerStore):
    """Development: conversations in memory, redacted.

    With the cost-per-turn cuts, kept as trackers rather than as JSON text
    (channels/kept_trackers.py): each save and read then costs what the turn added, not the
    whole conversation. (Rasa 3.6 reads every event: its processor sets no `max_event_history`.)
    """

    def __init__(self, domain: Domain, event_broker: EventBroker | None = None, **kwargs: Any) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's url, which an in-memory store has none of
        super().__init__(domain, event_broker, **kwargs)
        self.kept = KeptConversations(self.init_tracker) if TURN_COST_CUTS else None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the redacted copy."""
        if self.kept is None:
            await super().save(redacted_tracker(tracker, self.domain))
            return
        await self.stream_events(tracker)
        self.kept.save(tracker)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> DialogueStateTracker | None:
        if self.kept is None:
            return await super()._retrieve(sender_id, fetch_all_sessions)
        return self.kept.read(sender_id, all_sessions=fetch_all_sessions)

    async def keys(self) -> Iterable[str]:
        """The stored conversations' ids."""
        return self.store.keys() if self.kept is None else self.kept.keys()

    def stored_json(self, sender_id: str) -> str | None:
        """A conversation as Rasa's in-memory store holds it: JSON text (what the tests search for numbers)."""
        return self.store.get(sender_id) if self.kept is None else self.kept.as_json(sender_id)

    async def erase(self, sender_id: str) -> bool:
        """Forget a conversation; whether there was one."""
        if self.kept is not None:
            return self.kept.erase(sender_id)
        return self.store.pop(sender_id, None) is not None


# Conversations a Rasa process keeps between turns in front of the SQL store (each a tracker of one
# session, tens of events): the ones its customers are in the middle of.
KEPT_SQL_CONVERSATIONS = 500


@dataclass
class _Rows:
    """Where a kept conversation stands in the events table."""

    last_id: int  # the last row the kept tracker holds
    session_start: float | None  # the timestamp Rasa's read takes rows from (its last SessionStarted's)
    checked: bool  # a read checked the table since the last save: no other writer has added rows unseen


# the columns of an event's row that a save writes (`_row`), in the order of `_insert_sql`
_ROW_COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")
MAX_KEPT_INSERT_ROWS = 64


class RedactingSQLTrackerStore(SQLTrackerStore):
    """Production: conversations in SQL (PostgreSQL), redacted.

    With the cost-per-turn cuts, each process keeps the conversations it serves as trackers
    (channels/kept_trackers.py). A read asks the table only for the rows from the last one it holds
    on, applies the few another process may have added, and rebuilds the session only when that row
    is gone (erased), a session has started, or it holds nothing; a save writes and redacts only the
    turn's events, without counting the stored ones again. Rasa 3.6 reads, decodes and replays the
    whole session on every read, and counts its rows on every save.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rasa's engine has no pool_pre_ping: after PostgreSQL restarts while this process is idle,
        # the first turn would get a dead pooled connection and fail. A ping (one round trip per
        # checkout) finds it and reconnects (tests/channels/test_tracker_store_outage.py).
        rasa_engine: sqlalchemy.engine.Engine = self.engine  # type: ignore[has-type]
        url = rasa_engine.url
        rasa_engine.dispose()
        self.engine = sqlalchemy.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)
        # stored events per conversation, counted by `stream_events` for the `save` under way
        self._counted: dict[str, int] = {}
        self._rows: dict[str, _Rows] = {}  # where each kept conversation stands: forgotten with it
        self.kept = (
            KeptConversations(
                self.init_tracker, KEPT_SQL_CONVERSATIONS, each_applied=True, forgotten=self._rows_forgotten
            )
            if TURN_COST_CUTS
            else None
        )
        self._events: sqlalchemy.Table = self.SQLEvent.__table__
        self._insert_sqls: dict[int, str] = {}  # `_insert_sql` by row count
        self._rows_from = (
            sqlalchemy.select(
                self._events.c.id, self._events.c.type_name, self._events.c.timestamp, self._events.c.data
            )
            .where(
                self._events.c.sender_id == sqlalchemy.bindparam("sender_id"),
                self._events.c.id >= sqlalchemy.bindparam("last_id"),
            )
            .order_by(self._events.c.id)
        )

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        if self.kept is None or fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if not self._caught_up(sender_id):
            with self.session_scope() as session:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            self._keep_rows(sender_id, rows)
        return self.kept.read(sender_id, all_sessions=True)  # one session is all it keeps

    def _caught_up(self, sender_id: str) -> bool:
        """Bring a kept conversation up to the table; False when it must be read whole (or is not kept)."""
        assert self.kept is not None
        rows = self._rows.get(sender_id)
        if rows is None or sender_id not in self.kept.kept:
            return False
        # SQL expression language, not the ORM: a turn's reads and writes are most of what this store
        # costs a Rasa process, and the ORM's unit of work was most of that (docs/benchmarks.md)
        with self.engine.connect() as connection:
            found = connection.execute(self._rows_from, {"sender_id": sender_id, "last_id": rows.last_id}).all()
        if not found or found[0].id != rows.last_id:
            return False  # the conversation was erased (and maybe begun again)
        added = found[1:]
        for row in added:
            if row.type_name == SessionStarted.type_name:
                return False  # the session Rasa's read gives has changed
            if rows.session_start is not None and (row.timestamp is None or row.timestamp < rows.session_start):
                return False  # a row Rasa's read leaves out
        if added:
            self.kept.extend(sender_id, [json.loads(row.data) for row in added])
            rows.last_id = added[-1].id
        rows.checked = True
        return True

    def _keep_rows(self, sender_id: str, rows: list[Any]) -> None:
        """Keep a session read whole (Rasa's read: its rows in id order), or forget the conversation."""
        assert self.kept is not None
        self._forget(sender_id)
        if not rows:
            return
        self.kept.extend(sender_id, [json.loads(row.data) for row in rows])
        starts = [row.timestamp for row in rows if row.type_name == SessionStarted.type_name]
        self._rows[sender_id] = _Rows(rows[-1].id, max(starts) if starts else None, checked=True)

    def _rows_forgotten(self, sender_id: str) -> None:
        self._rows.pop(sender_id, None)

    def _forget(self, sender_id: str) -> None:
        if self.kept is not None:
            self.kept.erase(sender_id)
        self._rows.pop(sender_id, None)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the redacted copy (only the events not stored yet are written, as in SQLTrackerStore)."""
        rows = self._rows.get(tracker.sender_id)
        staged = self.kept.staged(tracker) if self.kept is not None and rows is not None and rows.checked else None
        if rows is None or staged is None or not staged.continues:
            self._forget(tracker.sender_id)
            await self._save_whole(tracker)
            return
        rows.checked = False  # until the next read: a failed write leaves the table unknown
        for data in staged.redacted if self.event_broker is not None else []:
            self.event_broker.publish({"sender_id": tracker.sender_id, **data})  # as Rasa's _stream_new_events
        values = [self._row(tracker.sender_id, data) for data in staged.redacted]
        with self.engine.begin() as connection:
            last_id = self._insert(connection, tracker.sender_id, values) if values else rows.last_id
        assert self.kept is not None
        self.kept.keep(staged)
        rows.last_id = last_id
        if any(isinstance(event, SessionStarted) for event in staged.events):
            self._forget(tracker.sender_id)  # the next read takes the new session from the table

    @staticmethod
    def _row(sender_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """An event's row, as SQLTrackerStore.save makes it."""
        return {
            "sender_id": sender_id,
            "type_name": data.get("event"),
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _insert(self, connection: sqlalchemy.engine.Connection, sender_id: str, values: list[dict[str, Any]]) -> int:
        """Write a turn's rows in one statement; the id of the last."""
        events = self._events
        dialect = self.engine.dialect
        if dialect.implicit_returning and dialect.paramstyle == "pyformat":  # PostgreSQL with psycopg2
            params = {f"{name}_{n}": row[name] for n, row in enumerate(values) for name in _ROW_COLUMNS}
            ids = connection.exec_driver_sql(self._insert_sql(len(values)), params).scalars().all()
            return int(max(ids))
        # SQLite (SQLAlchemy 1.4 has no RETURNING for it) and any other driver: the conversation lock
        # keeps other processes from adding its rows meanwhile
        connection.execute(events.insert(), values)
        last = sqlalchemy.select(sqlalchemy.func.max(events.c.id)).where(events.c.sender_id == sender_id)
        return int(connection.execute(last).scalar_one())

    def _insert_sql(self, rows: int) -> str:
        """PostgreSQL's multi-row INSERT … RETURNING of `rows` rows, written once per row count.

        SQLAlchemy 1.4 compiles a multi-row VALUES statement afresh at every execution (it cannot
        cache it): 3.5 % of a Rasa process's CPU under `make load` (docs/benchmarks.md). The text
        is the same for every turn with as many new events, so it is kept (turns of up to
        MAX_KEPT_INSERT_ROWS events; longer ones get theirs written each time).
        """
        sql = self._insert_sqls.get(rows)
        if sql is None:
            quote = self.engine.dialect.identifier_preparer
            columns = ", ".join(quote.quote(name) for name in _ROW_COLUMNS)
            row_values = (", ".join(f"%({name}_{n})s" for name in _ROW_COLUMNS) for n in range(rows))
            sql = (
                f"INSERT INTO {quote.format_table(self._events)} ({columns}) "
                f"VALUES {', '.join(f'({row})' for row in row_values)} RETURNING {quote.quote('id')}"
            )
            if rows <= MAX_KEPT_INSERT_ROWS:
                self._insert_sqls[rows] = sql
        return sql

    async def _save_whole(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save of the redacted copy: its stored events counted, the rest written."""
        redacted = redacted_tracker(tracker, self.domain)
        try:
            await super().save(redacted)
        finally:
            self._counted.pop(redacted.sender_id, None)

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Publish the events not stored yet: the ones `save` writes next.

        Rasa's own version loads and rebuilds the whole stored session to count its events, on
        every turn (a cost growing with the conversation); counting the rows gives the same number,
        and `_additional_events` reuses it (Rasa counted again; the conversation's lock keeps any
        other process from writing in between).
        """
        if self.event_broker is None:
            return
        with self.session_scope() as session:
            stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
        new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
        self._counted[tracker.sender_id] = stored

    def _additional_events(self, session: sqlalchemy.orm.Session, tracker: DialogueStateTracker) -> Iterator[Any]:
        """The events not stored yet, counted once per save (`stream_events` counted them just before)."""
        stored = self._counted.pop(tracker.sender_id, None)
        if stored is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def erase(self, sender_id: str) -> bool:
        """Delete every event of a conversation, all sessions; whether there were any."""
        self._forget(sender_id)
        with self.session_scope() as session:
            deleted = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        return bool(deleted)


async def erase_conversation(store: TrackerStore, sender_id: str) -> bool:
    """Remove a conversation from a redacting store (unwrapping Rasa's wrappers); whether there was one."""
    inner: Any = store
    while not hasattr(inner, "erase") and hasattr(inner, "_tracker_store"):
        inner = inner._tracker_store
    if not hasattr(inner, "erase"):
        raise TypeError(f"{type(store).__name__} cannot erase conversations")
    return bool(await inner.erase(sender_id))


# Rasa wraps every tracker store in a FailSafeTrackerStore, which answers a failed read with "no such
# conversation": with the tracker's PostgreSQL down, a turn then ran as the first of a new
# conversation (a pending confirmation or a follow-up read without its context), and its events
# were kept only in that process's memory, never in the record. A conversation this project's SQL
# store cannot read is refused instead: the turn fails before it runs, the channel says "try again
# later" (channels/failures.py), the lock is released, and the next message after the database is
# back reads the whole conversation (tests/faults: the tracker store down).
_failsafe_retrieve_error = FailSafeTrackerStore.on_tracker_store_retrieve_error


def _refuse_unreadable_conversation(self: FailSafeTrackerStore, error: Exception) -> None:
    _failsafe_retrieve_error(self, error)  # Rasa's log line
    if isinstance(self._tracker_store, RedactingSQLTrackerStore):
        raise TrackerStoreUnavailable(type(error).__name__) from error


FailSafeTrackerStore.on_tracker_store_retrieve_error = _refuse_unreadable_conversation
