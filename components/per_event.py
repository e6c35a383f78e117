"""A value worked out once per event object, kept while the event lives (issue 15: a turn's cost).

Rasa never changes an event once it is in a tracker: where it edits one (the two-stage
fallback's clarified message) it edits a copy, a new object. So what is derived from an event
alone (its dict, its JSON text) can be kept for as long as the event lives and reused by every
later prediction and action call, instead of being made again for the whole conversation each
time. Kept by identity, not value: Rasa's events compare equal without their timestamps. A weak
reference drops the value when the event goes.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Sequence
from functools import partial
from typing import Generic, TypeVar

from rasa.shared.core.events import Event

V = TypeVar("V")


class PerEvent(Generic[V]):
    """`derive(event)`, worked out the first time it is asked for an event and kept while that event lives.

    Callers share the kept value: they must not change it.
    """

    def __init__(self, derive: Callable[[Event], V]) -> None:
        self.derive = derive
        self._kept: dict[int, tuple[weakref.ref[Event], V]] = {}

    def __call__(self, event: Event) -> V:
        key = id(event)
        kept = self._kept.get(key)
        if kept is not None and kept[0]() is event:
            return kept[1]
        value = self.derive(event)
        self._kept[key] = (weakref.ref(event, partial(self._forget, key)), value)
        return value

    def _forget(self, key: int, gone: weakref.ref[Event]) -> None:
        kept = self._kept.get(key)
        if kept is not None and kept[0] is gone:
            del self._kept[key]

    def __len__(self) -> int:
        return len(self._kept)


def begins_with(events: Sequence[Event], prefix: Sequence[Event]) -> bool:
    """Whether `events` starts with the very event objects of `prefix` (an identity pass at C speed).

    A state history whose consumed events begin the applied ones goes on from there, without a
    rewind: the usual case within a turn, and across turns where the store keeps the events
    (channels/kept_trackers.py, which asks the same of a saved tracker).
    """
    return len(events) >= len(prefix) and all(map(operator.is_, prefix, events))


def shared_prefix(events: Sequence[Event], earlier: Sequence[Event]) -> int:
    """How many first events of `events` are the very event objects `earlier` begins with.

    A form's validation call runs on a temporary tracker: the conversation's events, then an
    action and slots of its own. The next call, on the real tracker, shares all but those.
    """
    if begins_with(events, earlier):
        return len(earlier)
    same = list(map(operator.is_, earlier, events))  # at C speed, as `begins_with`
    return same.index(False) if False in same else len(same)
