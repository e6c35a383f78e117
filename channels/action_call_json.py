"""The JSON of a call to the action server, written faster (cuts 7 and 8 of channels/turn_cost.py).

Every call sends the whole session: Rasa turns each event into a dict and encodes the lot with
the standard library's encoder, three or four times a turn. Late in a long conversation that is
most of what grows in a turn on the Rasa side.

- `dumps` writes the same JSON value with ujson, several times faster (with json, as Rasa, where
  ujson gives up).
- `action_call` is Rasa's call with its list of events written from each event's JSON text, made
  the first time the event is sent and kept while the event lives: an event does not change once
  it is in a tracker (Rasa edits copies, and a copy is a new event here). With the development
  store keeping trackers (channels/kept_trackers.py) a turn encodes only its own new events.

tests/channels/test_turn_cost.py compares both with what Rasa would send.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import rasa
import ujson
from rasa.shared.core.trackers import EventVerbosity

from channels.event_chain import chain, event_digest
from components.per_event import PerEvent, shared_prefix

if TYPE_CHECKING:
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker


def dumps(value: Any) -> str:
    """The JSON text of `value`, by ujson (~4 × faster); by json where ujson gives up.

    ujson writes the same JSON value (floats to their shortest exact form, non-ASCII escaped as
    json does), and the action server reads it with ujson.
    """
    try:
        text: str = ujson.dumps(value, ensure_ascii=True, escape_forward_slashes=False)
    except (TypeError, ValueError, OverflowError):
        text = json.dumps(value, default=_plain)
    return text


class EncodedEvents:
    """A call's events as JSON texts, written into the call as they are (ujson's `__json__`).

    With each text's digest (channels/event_chain.py), so a later call can send only the events
    the action server has not seen (channels/action_call_delta.py).
    """

    def __init__(self, texts: list[str], digests: list[bytes] | None = None, links: list[bytes] | None = None) -> None:
        self.texts = texts
        self.digests = digests if digests is not None else [event_digest(text) for text in texts]
        self.links = links if links is not None else chain(self.digests)  # the chain after each event

    def __json__(self) -> str:
        return "[" + ",".join(self.texts) + "]"


def _plain(value: Any) -> Any:
    """For json's encoder, where ujson could not write a call: the events as values again."""
    if isinstance(value, EncodedEvents):
        return [json.loads(text) for text in value.texts]
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# each event's JSON text, kept while the event lives (components/per_event.py)
event_text: PerEvent[str] = PerEvent(lambda event: dumps(event.as_dict()))


class _Sent:
    """A conversation's events in its last call, with their texts and digests."""

    def __init__(self, events: list[Event], texts: list[str], digests: list[bytes], links: list[bytes]) -> None:
        self.events, self.texts, self.digests, self.links = events, texts, digests, links


# Conversations whose last call's events are remembered (least recently used dropped first).
MAX_REMEMBERED_CALLS = 500
_last_calls: OrderedDict[str, _Sent] = OrderedDict()


def encoded_events(tracker: DialogueStateTracker) -> EncodedEvents:
    """The tracker's events as JSON texts and digests, going on from the conversation's last call.

    A turn makes three or four calls, each with the events of the one before and a few more (and
    across turns the store hands out the same event objects): only those are looked up, the
    rest is carried over once the earlier events are found to be the very same objects. A form's
    validation call adds events of its own to a temporary copy, so the call after it goes on from
    the events the two share, not from the start.
    """
    events = list(tracker.events)
    last = _last_calls.pop(tracker.sender_id, None)
    kept = 0 if last is None else shared_prefix(events, last.events)
    texts, digests, links = (last.texts[:kept], last.digests[:kept], last.links[:kept]) if last else ([], [], [])
    new_texts = [event_text(event) for event in events[kept:]]
    new_digests = [event_digest(text) for text in new_texts]
    new_links = chain(new_digests, after=links[-1] if links else b"")
    sent = _Sent(events, texts + new_texts, digests + new_digests, links + new_links)
    _last_calls[tracker.sender_id] = sent
    while len(_last_calls) > MAX_REMEMBERED_CALLS:
        _last_calls.popitem(last=False)
    return EncodedEvents(sent.texts, sent.digests, sent.links)


def action_call(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
    """Rasa 3.6's `RemoteAction._action_call_format`, the events written from their kept JSON texts."""
    state = tracker.current_state(EventVerbosity.NONE)  # the same state, without turning events into dicts
    state["events"] = encoded_events(tracker)
    result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state, "version": rasa.__version__}
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result
