"""The development tracker store keeps each conversation as the tracker a read would give (issue 15).

Rasa's InMemoryTrackerStore keeps a conversation as JSON text: every save encodes the whole
session, every read decodes it and replays the events onto a blank tracker. Late in a long
conversation that was the largest part of a turn's growth (~30 ms a turn at 1,000 events,
benchmarks/profile_turn.py), and all of it repeated work: only the events of the last turn are new.

What a read returns is a function of the saved events: each one JSON-encoded and decoded, and the
applied ones replayed, in order, onto a blank tracker. `KeptConversations` does the same one
turn at a time: a save takes only the events added since the last one through the redaction and
the JSON round trip, and applies them onto the tracker it keeps. Where the new events change which
earlier ones count (a rewind, a restart, a form stepping again), it replays the whole
conversation, as a read would. A read hands out a copy of the kept tracker: its state copied, its
events shared (Rasa never changes an event once it is in a tracker), its applied events carried.

tests/channels/test_kept_trackers.py compares every read with Rasa's store's over conversations
with forms, rewinds, restarts, new sessions, personal numbers and failed turns.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.events import ActionExecuted, Event, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions

from bot.security.redaction import redact_events, requested_after
from channels.turn_cost import copy_with_applied_events
from components.per_event import begins_with


@dataclass
class _Kept:
    """One conversation as stored: the tracker a read of it would rebuild (never handed out itself)."""

    tracker: DialogueStateTracker
    applied: list[Event]  # its applied events: what a read replays
    requested: object  # the slot requested after its events, where the redaction of the next ones starts
    later_session: bool  # a session starts after its first event: a read returns only the last one


@dataclass(frozen=True)
class Staged:
    """What saving a tracker would keep: not kept until the caller has stored it (`KeptConversations.keep`)."""

    sender_id: str
    continues: bool  # the tracker went on from the kept conversation (else it was taken from the start)
    redacted: list[dict[str, Any]]  # the events added, redacted: what a store writes
    events: list[Event]  # the same events as a read gives them back (the JSON round trip)
    kept: _Kept


class KeptConversations:
    """Conversations kept as trackers, saved and read as Rasa's in-memory store saves and reads them.

    With a `limit`, the least recently used conversations are forgotten beyond it: a cache in front
    of a store of record (the SQL store), not the store itself. `each_applied` reads as Rasa's SQL
    store reads (`DialogueStateTracker.from_events`: every event applied in turn, a rewound or
    undone one too) instead of the in-memory store's replay of the applied events only.
    """

    def __init__(
        self,
        blank: Callable[[str], DialogueStateTracker],
        limit: int | None = None,
        *,
        each_applied: bool = False,
        forgotten: Callable[[str], None] | None = None,
    ) -> None:
        self.blank = blank  # the store's `init_tracker`: what a read replays onto
        self.limit = limit
        self.each_applied = each_applied
        self.forgotten = forgotten  # told the id of each conversation dropped beyond the limit
        self.kept: dict[str, _Kept] = {}

    def save(self, tracker: DialogueStateTracker) -> None:
        """Store `tracker` (redacted), taking only the events not stored yet through the JSON round trip."""
        self.keep(self.staged(tracker))

    def staged(self, tracker: DialogueStateTracker) -> Staged:
        """What saving `tracker` keeps: only the events not kept yet are redacted and taken through JSON.

        Nothing changes until `keep`: a save that fails leaves the conversation before it, as Rasa's
        store does.
        """
        before = self.kept.get(tracker.sender_id)
        continues = before is not None and begins_with(tracker.events, before.tracker.events)
        if before is None or not continues:
            before = self._blank(tracker.sender_id)
        new = [event.as_dict() for event in itertools.islice(tracker.events, len(before.tracker.events), None)]
        redacted = redact_events(new, requested=before.requested)
        # json's own encoder and decoder, as Rasa's store: what comes back is what a read would see
        after = _continued(before, json.loads(json.dumps(redacted)), self.each_applied)
        added = list(itertools.islice(after.tracker.events, len(before.tracker.events), None))
        return Staged(tracker.sender_id, continues, redacted, added, after)

    def keep(self, staged: Staged) -> None:
        """Keep what `staged` says (the store has written it)."""
        self._put(staged.sender_id, staged.kept)

    def extend(self, sender_id: str, stored: list[dict[str, Any]]) -> None:
        """Add events another writer stored (decoded JSON, already redacted) to a conversation, or start it."""
        before = self.kept.get(sender_id) or self._blank(sender_id)
        self._put(sender_id, _continued(before, stored, self.each_applied))

    def _blank(self, sender_id: str) -> _Kept:
        return _Kept(self.blank(sender_id), [], None, False)

    def _put(self, sender_id: str, kept: _Kept) -> None:
        self.kept.pop(sender_id, None)  # re-inserted last: the most recently used
        self.kept[sender_id] = kept
        if self.limit is not None and len(self.kept) > self.limit:
            oldest = next(iter(self.kept))
            del self.kept[oldest]
            if self.forgotten is not None:
                self.forgotten(oldest)

    def read(self, sender_id: str, *, all_sessions: bool) -> DialogueStateTracker | None:
        """What Rasa's in-memory store's read gives: the whole conversation, or its last session."""
        kept = self.kept.get(sender_id)
        if kept is None:
            return None
        if self.limit is not None:
            self._put(sender_id, kept)
        if kept.later_session and not all_sessions:
            # Rasa's own split: rare (the first turn of a new session), and its trackers are new ones
            return get_trackers_for_conversation_sessions(kept.tracker)[-1]
        return copy_with_applied_events(kept.tracker)

    def erase(self, sender_id: str) -> bool:
        """Forget a conversation; whether there was one."""
        return self.kept.pop(sender_id, None) is not None

    def keys(self) -> Iterable[str]:
        return self.kept.keys()

    def as_json(self, sender_id: str) -> str | None:
        """A conversation's events as Rasa's in-memory store would hold them (for checks and debugging)."""
        kept = self.kept.get(sender_id)
        return None if kept is None else json.dumps(Dialogue(sender_id, list(kept.tracker.events)).as_dict())


def _continued(before: _Kept, stored: list[dict[str, Any]], each_applied: bool) -> _Kept:
    """`before` with `stored` (decoded JSON of redacted events) added and applied, as a read would apply them."""
    start = len(before.tracker.events)
    events = deserialise_events(stored)
    after = copy_with_applied_events(before.tracker)
    if each_applied:  # Rasa's DialogueStateTracker.from_events
        for event in events:
            after.update(event)
        return _Kept(after, [], requested_after(stored, before.requested), later_session=False)
    after.events.extend(events)
    applied = after.applied_events()
    if begins_with(applied, before.applied):
        for event in applied[len(before.applied) :]:
            event.apply_to(after)
    else:  # Rasa's replay (DialogueStateTracker.recreate_from_dialogue)
        after._reset()
        after.replay_events()
    return _Kept(
        after,
        applied,
        requested_after(stored, before.requested),
        before.later_session or _session_starts_after_the_first(events, start),
    )


def _session_starts_after_the_first(events: Iterable[Event], offset: int) -> bool:
    """Whether one of `events` (the first at `offset`) starts a session and is not the first event."""
    return any(
        position > 0 and isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME
        for position, event in enumerate(events, start=offset)
    )
