"""Cuts in Rasa 3.6's cost per turn that change no result (docs/benchmarks.md, issue 15).

Profiling a turn (benchmarks/profile_turn.py) found Rasa paying, on every turn, for work that buys
nothing. Each cut below computes exactly what Rasa computes, only once:

1. **Action responses are checked against a fixed JSON schema**, and `jsonschema.validate` first
   checks the *schema itself* against its meta-schema, on every call: ~45 ms per action-server
   call here, more than the NLU. One validator is built once; the response is still checked,
   each event against the sub-schema of its own type rather than all 23 (~3 ms per call).
2. **Every stored event is turned back into an object by searching all Event subclasses** per
   event (`Event.resolve_by_type`). The type-name → class map is built once.
3. **Every policy re-derives the dialogue states of the whole conversation for every prediction**
   (`Domain.states_for_tracker_history` replays all events since the session start, 3-4 times per
   predicted action): the main reason a turn grew with the conversation. `HistoryCache` keeps per
   conversation the states found so far and resumes from them (or from the last user message
   before the point where Rasa's applied events changed: a form's earlier step dropped, a rewind).
4. **Applied events** (the events minus the undone ones: a pass over the whole tracker) are asked
   for 5-10 times per prediction: remembered per tracker and carried forward as events are added.
   And the copy of the tracker the processor makes before each action, and the one a form makes
   of the conversation plus its own events (both replaying every event onto a blank tracker),
   take the tracker's state as it is; RulePolicy stops checking its rules
   against older states once it is past its longest rule, and at the latest state checks only the
   rules that follow the action just run.
5. **MemoizationPolicy deep-copies, and RulePolicy formats, the whole conversation's states for a
   debug line** even when debug logging is off: done only when it is on.
6. **TED runs its TensorFlow model for every prediction**, though a rule or one of the project's
   policies (all of higher priority) settles most of them at full confidence, where TED's answer
   cannot be chosen: the ensemble now computes it only when it could be.
7. **The whole session is JSON-encoded by the standard library for every action-server call**:
   ujson writes the same JSON value, several times faster.
8. **Every event of the session is turned into a dict and encoded again for every action-server
   call**: each event's JSON text is kept while the event lives (channels/action_call_json.py).
9. **The action server reads the whole session at every call**: a call carries only the events
   it has not seen, the rest named by a digest (channels/action_call_delta.py); it gets the same
   session rasa_sdk would have got, or asks for the whole call.
10. **A new connection for every action-server call** (cut 30 in docs/benchmarks.md): calls go over
   kept connections (channels/action_connections.py).
11. **dask runs the model graph** (cut 31) (to understand each message, and for each prediction), building,
   ordering and walking a task graph each time: the nodes are called in a fixed dependency order
   instead (channels/graph_runner.py), with the same inputs.
12. **scipy's general block stacking joins each message's sparse features** (cut 33), in DIET and
   again in the ResponseSelector: two COO matrices of one height are joined directly, their entries
   typed as scipy types them (channels/sparse_features.py), to the same matrix.
13. **DIET's, the ResponseSelector's and TED's TensorFlow function looks up its one concrete
   function on every call** (cut 34): it is kept and called directly (channels/model_calls.py).
And `freeze_after_start` (`settle_collection`): Python's full garbage collections walk the million
objects of the loaded model again and again; frozen after start-up, they are not, and the
collections of the rest run less often (GC_THRESHOLDS).

`install()` is idempotent; channels/redacting_store.py calls it, so every Rasa server that loads
the project's tracker store (make run, make run-prod, the tests' servers) has the cuts.
tests/channels/test_turn_cost.py checks each cut gives Rasa's own answer.
"""

from __future__ import annotations

import base64
import bisect
import copy
import dataclasses
import functools
import gc
import itertools
import logging
import os
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import aiohttp
from rasa.core.actions.action import RemoteAction
from rasa.core.actions.forms import FormAction
from rasa.core.featurizers.tracker_featurizers import (
    MaxHistoryTrackerFeaturizer,
    _is_prev_action_unlikely_intent_in_state,
)
from rasa.core.policies import memoization
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.core.policies.rule_policy import RULES_NOT_IN_STORIES, RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DEFAULT_SENDER_ID, DOCS_BASE_URL
from rasa.shared.core import constants
from rasa.shared.core.constants import PREVIOUS_ACTION, REQUESTED_SLOT, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ACTION_NAME, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig
from rasa.utils.tensorflow.constants import MODEL_CONFIDENCE, SOFTMAX
from rasa.utils.tensorflow.models import RasaModel

from bot.config import parse_flag
from channels import action_connections, graph_runner, model_calls, sparse_features
from channels.action_call_delta import delta_calls_wanted, make_request
from channels.action_call_json import action_call, dumps
from components.per_event import begins_with, shared_prefix

# Conversations whose states are kept per process (least recently used dropped first). Each holds
# one replayed tracker of its session (a few hundred KB for a long one).
MAX_CACHED_CONVERSATIONS = 500

_originals: dict[str, Any] = {}


# ── 1. the action-response schema, checked once ──


class _ResponseCheck:
    """Rasa's action-response schema, checked in the same way but without trying every event type.

    Rasa's schema says each event must match exactly one of 23 sub-schemas (`oneOf`), and each of
    those starts by requiring its own `event` name (`const`): so an event is valid exactly when it
    matches the sub-schema of its own name. Checking only that one gives the same answers about
    5 times faster. Anything found invalid is checked again by the full schema, so the error
    raised is Rasa's own, word for word.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        from jsonschema import validators

        cls = validators.validator_for(schema)
        cls.check_schema(schema)  # what jsonschema.validate does first, now once per process
        self.full = cls(schema)
        event_schema = schema["properties"]["events"]["items"]
        self.outer = cls(_with_events_unchecked(schema))
        base = {k: v for k, v in event_schema.items() if k != "oneOf"}
        self.by_name = {
            branch["properties"]["event"]["const"]: cls({**base, "allOf": [branch]}) for branch in event_schema["oneOf"]
        }

    def validate(self, result: Any) -> None:
        if not self._valid(result):
            from jsonschema.exceptions import best_match

            error = best_match(self.full.iter_errors(result))  # the error jsonschema.validate raises for Rasa
            if error is not None:
                raise error

    def _valid(self, result: Any) -> bool:
        if not self.outer.is_valid(result):
            return False
        for event in result.get("events") or []:
            check = self.by_name.get(event.get("event")) if isinstance(event, dict) else None
            if check is None or not check.is_valid(event):
                return False
        return True


def _with_events_unchecked(schema: dict[str, Any]) -> dict[str, Any]:
    events = {k: v for k, v in schema["properties"]["events"].items() if k != "items"}
    return {**schema, "properties": {**schema["properties"], "events": events}}


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    from jsonschema import ValidationError

    check = _originals.get("response_check")
    if check is None:
        check = _originals["response_check"] = _ResponseCheck(self.action_response_format_spec())
    try:
        check.validate(result)
    except ValidationError as e:  # the same message Rasa gives
        e.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


# ── 2. event classes by type name, found once ──


def _event_classes() -> dict[str, type[Event]]:
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):  # Rasa's order: the first class with a name wins, as in Rasa
        classes.setdefault(cls.type_name, cls)
    return classes


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    classes = _originals.get("event_classes")
    if classes is None or type_name not in classes:
        # an Event subclass imported after the map was built (or an unknown name): Rasa's own search
        classes = _originals["event_classes"] = _event_classes()
        if type_name not in classes:
            resolved: type[Event] | None = _originals["resolve_by_type"](type_name, default)
            return resolved
    return classes[type_name]


# ── 3. dialogue states, resumed ──


@dataclass
class _Checkpoint:
    """Where a history stood before one of the user's messages: it can resume from here."""

    consumed: int
    replay: DialogueStateTracker  # a copy, never stepped itself
    states: int
    last_ml_action: Any
    hidden: bool


class _History:
    """The states of one conversation's applied events so far, and the tracker replayed to there."""

    def __init__(self, tracker: DialogueStateTracker) -> None:
        # Rasa replays on `tracker.init_copy()`; the states read only the replayed tracker's slots, latest
        # message, action and loop, never its list of events, so this one keeps only the last (cheap to copy).
        self.replay = DialogueStateTracker(
            tracker.sender_id, tracker.slots.values(), max_event_history=1, is_rule_tracker=tracker.is_rule_tracker
        )
        self.seen: list[tuple[str, float]] = []  # (type, timestamp) of each applied event consumed
        self.events: list[Event] = []
        self.states: list[State] = []
        # states[i] as Rasa's featurizer leaves it at prediction time (user text dropped where the
        # intent is there), made once, for the states a prediction never edits (`for_prediction`)
        self.read_only: list[State] = []
        self.unlikely: list[int] = []  # where in `read_only` a state follows `action_unlikely_intent` (UnexpecTED)
        self.last_ml_action: Any = None
        self.hidden = False
        self.checkpoints: list[_Checkpoint] = []

    def rewind(self, applied: list[Event]) -> bool:
        """Go back to the last checkpoint inside the part of `applied` this history has seen as it is now.

        False when there is none (start afresh).

        Rasa's applied events change behind the end when a form runs again (its earlier step is dropped)
        or a turn is rewound: the states before that point still hold. The very events consumed are
        the same; others (a tracker read back from a store) are the same when their type and time are
        and they compare equal.
        """
        same = identical = shared_prefix(applied, self.events)
        for mine, event in zip(self.seen[same:], applied[same:], strict=False):
            if mine != (type(event).__name__, event.timestamp):
                break
            same += 1
        while same > identical and applied[same - 1] != self.events[same - 1]:
            same -= 1
        # From now on the caller's objects: a tracker read back from a store holds copies of the
        # events consumed, and the next call then matches them by identity instead of comparing
        # every event from the first copy on (which grew with the conversation).
        self.events[identical:same] = applied[identical:same]
        if same == len(self.seen):
            return True
        # checkpoints are taken in the order of the events consumed
        kept = self.checkpoints[: bisect.bisect_right(self.checkpoints, same, key=lambda cp: cp.consumed)]
        self.checkpoints = kept
        if not kept:
            return False
        cp = kept[-1]
        self.replay = _snapshot(cp.replay)
        del self.seen[cp.consumed :], self.events[cp.consumed :], self.states[cp.states :], self.read_only[cp.states :]
        self.unlikely = [position for position in self.unlikely if position < cp.states]
        self.last_ml_action, self.hidden = cp.last_ml_action, cp.hidden
        return True

    def consume(self, event: Event, flags: tuple[Any, ...]) -> None:
        if isinstance(event, UserUttered):
            # slots the user's messages since the last checkpoint left as they were are shared with it
            snapshot = _snapshot(self.replay, self.checkpoints[-1].replay if self.checkpoints else None)
            self.checkpoints.append(
                _Checkpoint(len(self.seen), snapshot, len(self.states), self.last_ml_action, self.hidden)
            )
        if isinstance(event, ActionExecuted):
            _step(self, self.states, event.hide_rule_turn, *flags)
        self.replay.update(event)
        self.seen.append((type(event).__name__, event.timestamp))
        self.events.append(event)


def _snapshot(replay: DialogueStateTracker, earlier: DialogueStateTracker | None = None) -> DialogueStateTracker:
    """A copy of a replayed tracker that stepping either one never changes in the other.

    `copy.deepcopy` also copies each slot's whole definition (its mappings, its type's settings):
    ~2.5 ms per user message and conversation. Stepping a tracker replaces slot values, its last
    event, action and message, and edits its active loop in place; so those are what is copied,
    slots the way Rasa's own tracker copies them (`copy.copy` of each).

    `earlier` is an earlier snapshot of the same replay that nothing steps (a checkpoint's): its
    slots still holding what the replay's hold are shared rather than copied. A checkpoint is taken
    at every user message and lives as long as its conversation is cached, so copying all ~40 slots
    each time made most of the objects Python's full garbage collections walk (docs/benchmarks.md).
    """
    snapshot = copy.copy(replay)
    snapshot.__dict__.pop("_turn_cost_applied", None)
    snapshot.events = copy.copy(replay.events)
    earlier_slots = earlier.slots if earlier is not None else {}
    snapshot.slots = type(replay.slots)(
        (name, _unchanged_or_copied(slot, earlier_slots.get(name))) for name, slot in replay.slots.items()
    )
    snapshot.active_loop = copy.copy(replay.active_loop)
    snapshot.latest_action = copy.copy(replay.latest_action)
    return snapshot


def _unchanged_or_copied(slot: Any, earlier: Any) -> Any:
    """`earlier` (a copy nothing changes) where it holds the very attributes `slot` holds; else a copy of `slot`."""
    kind: Any = type(slot)
    if earlier is not None and type(earlier) is kind and _copies_only_its_dict(kind):
        mine, theirs = slot.__dict__, earlier.__dict__
        if len(mine) == len(theirs) and all(theirs.get(name, _MISSING) is value for name, value in mine.items()):
            return earlier
    return _shallow_copy(slot)


_MISSING = object()


def _shallow_copy(value: Any) -> Any:
    """`copy.copy(value)`, without its generic protocol where that protocol only copies `__dict__`.

    A tracker copy copies its ~40 slots: through `copy.copy` that was 3 % of a Rasa process's CPU
    under `make load`, five times what copying their attributes costs.
    """
    kind: Any = type(value)
    if not _copies_only_its_dict(kind):
        return copy.copy(value)
    copied = object.__new__(kind)
    copied.__dict__.update(value.__dict__)
    return copied


@functools.cache
def _copies_only_its_dict(cls: Any) -> bool:
    """Whether `copy.copy` of a `cls` is a new `cls` with the same `__dict__` entries (Python 3.11's copy module)."""
    return (
        cls.__reduce_ex__ is object.__reduce_ex__
        and cls.__reduce__ is object.__reduce__
        and cls.__new__ is object.__new__
        and cls.__getstate__ is object.__getstate__
        and not hasattr(cls, "__copy__")
        and not hasattr(cls, "__setstate__")
        and not any(getattr(base, "__slots__", ()) for base in cls.__mro__)
        and cls not in copy._copy_dispatch  # type: ignore[attr-defined]
    )


class PredictionStates(NamedTuple):
    """A conversation's states for a prediction: shared ones, then `copied` copies a prediction may edit."""

    states: list[State]
    copied: int
    shared_unlikely: bool  # whether a shared state follows `action_unlikely_intent` (only with UnexpecTED)


class HistoryCache:
    """`Domain.states_for_tracker_history`, resumed from the states already found for a conversation.

    The loop is Rasa 3.6's (domain.py, states_for_tracker_history) split in two: `_step` handles one
    tracker before an action, `states` feeds it the applied events not seen yet and adds the final
    state (computed afresh every call, as the tracker's end moves). Where the applied events no longer
    start with the ones seen, it resumes from the last checkpoint before the difference. Callers get
    copies: Rasa's featurizers edit the states they are given.
    """

    def __init__(self, size: int = MAX_CACHED_CONVERSATIONS) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[Any, ...], _History] = OrderedDict()

    def states(
        self,
        domain: Domain,
        tracker: DialogueStateTracker,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        """The states, all of them copies."""
        _, states = self._resumed(domain, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        return [_copy_state(state) for state in states]

    def prediction_states(
        self,
        domain: Domain,
        tracker: DialogueStateTracker,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> PredictionStates:
        """The states as `_states_for_prediction` hands them out.

        The last ones are copies; the ones before them are shared, as Rasa's prediction steps leave
        them (they find nothing to edit there).
        """
        history, states = self._resumed(domain, tracker, False, ignore_rule_only_turns, rule_only_data)
        start = len(states) - 1  # the last state a prediction keeps once `action_unlikely_intent` is dropped
        while start > 0 and _is_prev_action_unlikely_intent_in_state(states[start]):
            start -= 1
        for state in history.states[len(history.read_only) : start]:
            if _is_prev_action_unlikely_intent_in_state(state):
                history.unlikely.append(len(history.read_only))
            history.read_only.append(_as_a_prediction_reads_it(state))
        return PredictionStates(
            history.read_only[:start] + [_copy_state(state) for state in states[start:]],
            copied=len(states) - start,
            shared_unlikely=bool(history.unlikely) and history.unlikely[0] < start,
        )

    def _resumed(
        self,
        domain: Domain,
        tracker: DialogueStateTracker,
        omit_unset_slots: bool,
        ignore_rule_only_turns: bool,
        rule_only_data: dict[str, Any] | None,
    ) -> tuple[_History, list[State]]:
        """The conversation's history brought up to the tracker, and its states with the final one (not kept)."""
        key = (
            tracker.sender_id,
            id(domain),
            tracker.is_rule_tracker,
            omit_unset_slots,
            ignore_rule_only_turns,
            repr(rule_only_data),
        )
        applied = tracker.applied_events()
        history = self.entries.pop(key, None)
        if history is None or not (begins_with(applied, history.events) or history.rewind(applied)):
            history = _History(tracker)
        self.entries[key] = history
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
        flags = (domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        for event in applied[len(history.seen) :]:
            history.consume(event, flags)
        # the final state: on copies, so the next call resumes before it
        final = _History.__new__(_History)
        final.replay, final.last_ml_action, final.hidden = history.replay, history.last_ml_action, history.hidden
        states = list(history.states)
        _step(final, states, False, *flags)
        return history, states


def _copy_state(state: State) -> State:
    return {name: dict(sub) for name, sub in state.items()}


def _as_a_prediction_reads_it(state: State) -> State:
    """`state` as Rasa's `_remove_user_text_if_intent` leaves it (then it finds nothing to edit); itself if same."""
    if USER not in state:
        return state
    edited = {**state, USER: dict(state[USER])}
    MaxHistoryTrackerFeaturizer._remove_user_text_if_intent([[edited]])
    return edited if edited[USER] != state[USER] else state


def _step(
    history: _History,
    states: list[State],
    hide_rule_turn: bool,
    domain: Domain,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
) -> None:
    tr = history.replay
    if ignore_rule_only_turns:
        if not history.hidden:
            history.last_ml_action = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
            history.hidden = hide_rule_turn
        if history.hidden:
            return
    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if history.last_ml_action:
            state[constants.PREVIOUS_ACTION] = history.last_ml_action
    states.append(domain._clean_state(state))


_cache = HistoryCache()


# ── 4. applied events, carried forward ──


@dataclass
class _Applied:
    """A tracker's applied events up to its `count`-th event (`last`), and the loop names they assumed."""

    count: int
    first: Event | None
    last: Event | None
    loop_names: frozenset[str]
    events: list[Event]
    after_restart: int = 0  # where the events after the latest `Restarted` begin (Rasa's `idx_after_latest_restart`)


def _applied_events(self: DialogueStateTracker) -> list[Event]:
    """Rasa's `applied_events`, carried forward from the last answer as events are added.

    A prediction asks for the same tracker's applied events 5-10 times (each policy, the states,
    the processor), and Rasa's answer is a pass over every event of the tracker: the largest cost
    of a late turn in a long conversation. Rasa's pass is a fold (each event changes the list so
    far, knowing only the names of the conversation's loops), and events are only ever appended
    to a tracker, so the answer for the events seen so far is kept and the new events folded onto
    it. Where that does not hold (the tracker rebuilt, or a loop name not seen before, which
    changes how earlier events count) it is computed afresh. Callers get their own list: some edit it.
    """
    return list(_applied(self).events)


def _applied(tracker: DialogueStateTracker) -> _Applied:
    """The tracker's `_Applied`, brought up to its events (`_applied_events`)."""
    events = tracker.events
    memo: _Applied | None = tracker.__dict__.get("_turn_cost_applied")
    if memo is None or not _still_a_prefix(memo, events):
        memo = _Applied(0, None, None, frozenset(_loop_names(events)), [])
    new = list(itertools.islice(events, memo.count, None))
    if not memo.loop_names.issuperset(_loop_names(new)):
        memo, new = _Applied(0, None, None, frozenset(_loop_names(events)), []), list(events)
    for position, event in enumerate(new, start=memo.count):
        _fold(tracker, memo.events, event, memo.loop_names)
        if isinstance(event, Restarted):
            memo.after_restart = position + 1
    if new:
        memo.count, memo.first, memo.last = len(events), events[0], events[-1]
    tracker.__dict__["_turn_cost_applied"] = memo
    return memo


def _still_a_prefix(memo: _Applied, events: Any) -> bool:
    if memo.count == 0:
        return True
    return len(events) >= memo.count and events[0] is memo.first and events[memo.count - 1] is memo.last


def _loop_names(events: Any) -> set[str]:
    return {event.name for event in events if isinstance(event, ActiveLoop) and event.name}


def _fold(tracker: DialogueStateTracker, applied: list[Event], event: Event, loop_names: frozenset[str]) -> None:
    """One step of Rasa 3.6's `DialogueStateTracker.applied_events` loop (trackers.py), on `applied`."""
    if isinstance(event, Restarted | SessionStarted):
        applied.clear()
    elif isinstance(event, ActionReverted):
        tracker._undo_till_previous(ActionExecuted, applied)
    elif isinstance(event, UserUtteranceReverted):
        tracker._undo_till_previous(UserUttered, applied)
        tracker._undo_till_previous(ActionExecuted, applied)
    elif (
        isinstance(event, ActionExecuted)
        and event.action_name in loop_names
        and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
    ):
        tracker._undo_till_previous_loop_execution(event.action_name, applied)
    else:
        applied.append(event)


def _states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    if not _cached(tracker):
        states: list[State] = _originals["states"](
            self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
        return states
    return _cache.states(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)


def _cached(tracker: DialogueStateTracker) -> bool:
    """Whether the states come from the cache: not for training's story trackers (they share one sender id)."""
    return type(tracker) is DialogueStateTracker and tracker.sender_id not in (None, DEFAULT_SENDER_ID)


def _states_for_prediction(
    self: MaxHistoryTrackerFeaturizer,
    trackers: list[DialogueStateTracker],
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
    ignore_action_unlikely_intent: bool = False,
) -> list[list[State]]:
    """Rasa's `MaxHistoryTrackerFeaturizer.prediction_states`, without copying every state of the session.

    Rasa's steps edit the states: every user state loses its text where its intent is there, and
    the last state kept loses its intent or its text. The cache hands out copies of the states from
    that last one on, and before it the states already as that first step leaves them (made once
    per conversation, shared: the step finds nothing to edit there). Copying every state cost each
    policy, at each prediction, time that grew with the conversation, while the featurizers of
    TED and memoization keep five.
    """
    if len(trackers) != 1 or not _cached(trackers[0]):
        states: list[list[State]] = _originals["prediction_states"](
            self,
            trackers,
            domain,
            use_text_for_last_user_input,
            ignore_rule_only_turns,
            rule_only_data,
            ignore_action_unlikely_intent,
        )
        return states
    found = _cache.prediction_states(domain, trackers[0], ignore_rule_only_turns, rule_only_data)
    # From here on Rasa's own steps (tracker_featurizers.py, MaxHistoryTrackerFeaturizer.prediction_states),
    # going back only as far as the states kept and the copies: the shared states need no edit.
    states, copied = _last_states(found, self.max_history, ignore_action_unlikely_intent)
    self._choose_last_user_input([states[len(states) - copied :] if copied else states], use_text_for_last_user_input)
    return [states]


def _last_states(found: PredictionStates, keep: int | None, drop_unlikely: bool) -> tuple[list[State], int]:
    """Rasa's `_remove_action_unlikely_intent_from_states` (where `drop_unlikely`), then `slice_state_history`.

    Rasa's filters the whole session first. This walks back from the end only until `keep` states
    are found, and only through the copies where no shared state follows `action_unlikely_intent`.
    Also how many of the states kept are copies.
    """
    states, copied = found.states, found.copied
    first_copy = len(states) - copied
    if drop_unlikely and not found.shared_unlikely:
        tail = [state for state in states[first_copy:] if not _is_prev_action_unlikely_intent_in_state(state)]
        states, copied, drop_unlikely = states[:first_copy] + tail, len(tail), False
    if not drop_unlikely:
        kept = states[-keep:] if keep else states
        return kept, min(copied, len(kept))
    picked: list[int] = []  # from the last state back
    for i in range(len(states) - 1, -1, -1):
        if not _is_prev_action_unlikely_intent_in_state(states[i]):
            picked.append(i)
            if keep and len(picked) == keep:
                break
    copies = 0
    for i in picked:
        if i < first_copy:
            break
        copies += 1
    return [states[i] for i in reversed(picked)], copies


# ── 4b. tracker copies without the replay ──


def _copy(self: DialogueStateTracker) -> DialogueStateTracker:
    """Rasa's `tracker.copy()`, without replaying every event onto a blank tracker.

    The processor copies the tracker before each action it runs (a rejected action's events are
    then dropped), and Rasa's copy replays the whole conversation: ~3.5 ms per action late in a
    long one. Every part of a tracker's state is set by its events, so the copy takes the state
    as it is, with two exceptions the replay would not reproduce: the processor clears a follow-up
    action without an event (the copy gets the one the events give), and a blank tracker does not
    carry the model id. Where the replay could differ in other ways (events cut to a maximum
    length) Rasa's own copy is made.
    """
    if type(self) is not DialogueStateTracker or self.events.maxlen is not None:
        copied: DialogueStateTracker = _originals["copy"](self)
        return copied
    followup = _replayed_followup(self.events)
    if followup is _REPLAY:
        # A rewind resets the tracker and replays the events it leaves applied (events.py), which
        # hold no rewind, restart or session start: the follow-up action is the one they end with.
        followup = _replayed_followup(_applied(self).events)  # read only: no copy of the list
    copied = copy_with_applied_events(self)
    copied.sender_id = self.sender_id or DEFAULT_SENDER_ID
    copied.sender_source = copied.model_id = copied.assistant_id = None  # as Rasa's init_copy leaves them
    copied.followup_action = followup
    return copied


def copy_with_applied_events(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """A copy of `tracker` as it is (`_snapshot`), with the applied events found so far: they hold for its events."""
    copied = _snapshot(tracker)
    memo: _Applied | None = tracker.__dict__.get("_turn_cost_applied")
    if memo is not None:
        copied.__dict__["_turn_cost_applied"] = dataclasses.replace(memo, events=list(memo.events))
    return copied


_REPLAY = object()  # a rewind: the events it leaves applied tell


def _form_tracker(
    self: FormAction, current_tracker: DialogueStateTracker, additional_events: list[Event], domain: Domain
) -> DialogueStateTracker:
    """Rasa's `FormAction._temporary_tracker` from a copy of the tracker instead of a replay of it.

    A form builds a tracker of the conversation plus the events it is adding, two or three times
    a turn while it runs, by replaying every event onto a blank tracker: each rewind among them
    replays everything before it again, so a form late in a long conversation cost more every
    turn. The copy (`_copy`) has the state that replay would give; the form's events are then
    added as Rasa adds them. After a restart Rasa replays only the events since: its own way.
    """
    if (
        type(current_tracker) is not DialogueStateTracker
        or current_tracker.is_rule_tracker
        or _applied(current_tracker).after_restart > 0  # Rasa's `idx_after_latest_restart`, without its pass
    ):
        return _originals["form_tracker"](self, current_tracker, additional_events, domain)
    tracker = current_tracker.copy()
    tracker.sender_id = current_tracker.sender_id
    # what Rasa adds: the form's requested slot, the form's execution, then the form's events
    tracker.update(SlotSet(REQUESTED_SLOT, self.get_slot_to_fill(current_tracker)))
    tracker.update(ActionExecuted(self.name()))
    for event in additional_events:
        tracker.update(event)
    return tracker


def _replayed_followup(events: Any) -> Any:
    """The follow-up action that replaying `events` onto a blank tracker ends with (events.py's apply_to)."""
    for event in reversed(events):
        if isinstance(event, UserUttered | ActionExecuted):
            return None
        if isinstance(event, FollowupAction):
            return event.action_name
        if isinstance(event, Restarted):
            return constants.ACTION_SESSION_START_NAME
        if isinstance(event, SessionStarted):
            return constants.ACTION_LISTEN_NAME
        if isinstance(event, UserUtteranceReverted | ActionReverted):
            return _REPLAY
    return constants.ACTION_LISTEN_NAME


# ── 4c. rules checked only as far back as the longest rule ──


def _get_possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[State]) -> set[str]:
    """RulePolicy's rules that match the end of `states`, without walking the whole conversation.

    Rasa's version goes back through every state of the conversation, checking each rule still
    possible against it. But a rule is never checked further back than its own length (Rasa's
    `_is_rule_applicable` answers yes at once there), so once the walk is past the longest rule,
    or no rule is left, nothing can change: Rasa kept walking, checking every surviving rule
    against every older state (tens of thousands of calls a turn late in a long conversation).
    And at the latest state, only the rules whose last state follows the same action can match
    (`_does_rule_match_state` requires that action), so only those and the rules without one are
    checked there, not all ~380.
    """
    index = _rule_index(self, lookup)
    if not states or not index.longest:
        return set(lookup)
    action = (states[-1].get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
    possible_keys = index.after_any | (index.after_action.get(action, set()) if isinstance(action, str) else set())
    for i, state in enumerate(reversed(states)):
        if i >= index.longest or not possible_keys:
            break
        possible_keys = {key for key in possible_keys if self._is_rule_applicable(key, i, state)}
    return possible_keys


@dataclass(frozen=True)
class _RuleIndex:
    lookup: dict[str, str]  # the lookup it indexes (kept, so its id is not reused meanwhile)
    size: int
    longest: int  # states of the longest rule
    after_action: dict[str, set[str]]  # rules whose last state follows this action
    after_any: set[str]  # the others: conversation starts, rules without an action name


_rule_indexes: OrderedDict[int, _RuleIndex] = OrderedDict()


def _rule_index(policy: RulePolicy, lookup: dict[str, str]) -> _RuleIndex:
    """The rules of `lookup` by the action their last state follows (built once per lookup)."""
    index = _rule_indexes.get(id(lookup))
    if index is not None and index.lookup is lookup and index.size == len(lookup):
        return index
    after_action: dict[str, set[str]] = {}
    after_any: set[str] = set()
    longest = 0
    for key in lookup:
        rule = policy._rule_key_to_state(key)
        longest = max(longest, len(rule))
        action = (rule[-1].get(PREVIOUS_ACTION) or {}).get(ACTION_NAME) if rule else None
        if isinstance(action, str) and action and action != SHOULD_NOT_BE_SET:
            after_action.setdefault(action, set()).add(key)
        else:
            after_any.add(key)
    index = _RuleIndex(lookup, len(lookup), longest, after_action, after_any)
    _rule_indexes[id(lookup)] = index
    while len(_rule_indexes) > 8:  # a model has two lookups; tests build more
        _rule_indexes.popitem(last=False)
    return index


# ── 4d. TED run only when its answer could be chosen ──


class _DeferredPrediction(PolicyPrediction):
    """TEDPolicy's prediction, not computed yet: the ensemble computes it only if it could win.

    Most of this assistant's predictions are settled by a rule or a policy of the project at full
    confidence. TED, the lowest priority, cannot beat those (at best it ties, and a tie goes to the
    higher priority), yet Rasa runs its TensorFlow model for every prediction: the largest single
    cost of a turn. Deferred only where that argument holds: TED's softmax confidences never exceed
    1.0, and without user text in its features it never makes the end-to-end predictions that
    would overrule the others.
    """

    def __init__(self, policy: TEDPolicy, compute: Callable[[], PolicyPrediction]) -> None:
        super().__init__([], policy.__class__.__name__, policy.priority)
        self.compute = compute


def _deferred_ted(self: TEDPolicy, *args: Any, **kwargs: Any) -> PolicyPrediction:
    original = _originals["ted_predict"]
    deferrable = self.model is not None and TEXT not in self.fake_features and self.config[MODEL_CONFIDENCE] == SOFTMAX
    if not deferrable:
        prediction: PolicyPrediction = original(self, *args, **kwargs)
        return prediction
    return _DeferredPrediction(self, lambda: original(self, *args, **kwargs))


def _best_policy_prediction(
    predictions: list[PolicyPrediction], tracker: DialogueStateTracker, domain: Domain
) -> PolicyPrediction:
    """The ensemble's choice, computing a deferred prediction only when it could be the choice."""
    settled = [p for p in predictions if not isinstance(p, _DeferredPrediction)]
    if len(settled) == len(predictions):
        return _choice(predictions, tracker, domain)
    rejected = _rejected_action_index(tracker, domain)
    resolved = []
    for prediction in predictions:
        if isinstance(prediction, _DeferredPrediction):
            if _cannot_win(prediction.policy_priority, settled, rejected):
                continue  # Rasa's choice is among the others: this one's answer is never read
            prediction = prediction.compute()
        resolved.append(prediction)
    return _choice(resolved, tracker, domain)


def _choice(predictions: list[PolicyPrediction], tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
    chosen: PolicyPrediction = _originals["best_policy_prediction"](predictions, tracker, domain)
    return chosen


def _cannot_win(priority: int, settled: list[PolicyPrediction], rejected: int | None) -> bool:
    """Whether Rasa's `_pick_best_policy` chooses among `settled` whatever a prediction of `priority` says.

    That prediction is neither end-to-end nor "no user", and its confidences are at most 1.0.
    """
    if any(p.is_no_user_prediction or p.is_end_to_end_prediction for p in settled):
        return True  # those overrule every prediction that is neither
    for p in settled:
        confidences = [c for i, c in enumerate(p.probabilities) if i != rejected]  # Rasa zeroes it
        if p.policy_priority > priority and max(confidences, default=0.0) >= 1.0:
            return True
    return False


def _rejected_action_index(tracker: DialogueStateTracker, domain: Domain) -> int | None:
    """The action whose confidence Rasa's ensemble sets to 0 in every prediction (ensemble.py)."""
    last = next(
        (e for e in reversed(tracker.events) if isinstance(e, ActionExecutionRejected | ActionExecuted)),
        None,
    )
    if isinstance(last, ActionExecutionRejected) and last.action_name:
        index: int = domain.index_for_action(last.action_name)
        return index
    return None


# ── 4e. the tracker sent to the action server: ujson, each event encoded once (channels/action_call_json.py) ──


def _session(self: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa's client session for an endpoint: JSON by action_call_json's `dumps`, connections kept (cut 30)."""
    return action_connections.session(self, dumps)


# ── 4f. RulePolicy's "no rule" key: made where a prediction can tell it from a placeholder ──

# What the key of a prediction no rule made is replaced by where it cannot be a rule's key
_NO_RULE_KEY = ""


def _rule_prediction(self: RulePolicy, *args: Any, **kwargs: Any) -> PolicyPrediction:
    """RulePolicy's prediction, marked as one (training's rule checks read the keys; a prediction does not)."""
    self._turn_cost_predicting = True  # (a flag: predictions run one at a time on the event loop)
    try:
        prediction: PolicyPrediction = _originals["rule_predict"](self, *args, **kwargs)
        return prediction
    finally:
        self._turn_cost_predicting = False


def _rule_feature_key(self: RulePolicy, states: list[State]) -> str | None:
    """RulePolicy's feature key; in a prediction, a placeholder where it cannot be a rule's.

    Where no rule applies, RulePolicy returns the key of the whole conversation's states (a JSON
    text that grows with it, made twice a prediction), and a prediction reads it only to ask
    whether it is one of the rules that are not in stories (to hide the turn). A key of more
    states than the longest of those rules is none of them: the placeholder answers the same.
    """
    if getattr(self, "_turn_cost_predicting", False):
        longest = _longest_rule_not_in_stories(self)
        tail = states[-(longest + 1) :]  # RulePolicy's key starts after the last rule-snippet state
        if len(states) > longest and not any(self._is_rule_snippet_state(state) for state in tail):
            return _NO_RULE_KEY
    key: str | None = _originals["rule_feature_key"](self, states)
    return key


def _longest_rule_not_in_stories(policy: RulePolicy) -> int:
    """How many states the longest rule not in stories has (worked out once per lookup)."""
    rules = policy.lookup.get(RULES_NOT_IN_STORIES, [])
    known = getattr(policy, "_turn_cost_longest", None)
    if known is None or known[0] is not rules or known[1] != len(rules):
        # besides rule keys (JSON lists of states), the list names Rasa's default and loop rules,
        # which no key of states equals
        longest = max((len(policy._rule_key_to_state(rule)) for rule in rules if rule.startswith("[")), default=0)
        known = (rules, len(rules), longest)
        policy._turn_cost_longest = known
    return int(known[2])


# ── 4g. MemoizationPolicy: no key made for more states than any story it memorised ──


def _recall_states(self: memoization.MemoizationPolicy, states: list[State]) -> str | None:
    """MemoizationPolicy's recall; None at once where `states` are more than any memorised sequence has.

    Without a max history its key is the JSON of every state of the session (compressed), made
    at every prediction, and it can only be a memorised one while the conversation is no longer
    than the longest story: after that, building it is all the work there is.
    """
    longest = None if isinstance(self, RulePolicy) else _longest_memorised(self)
    if longest is not None and len(states) > longest:
        return None
    action: str | None = _originals["memo_recall"](self, states)
    return action


def _longest_memorised(policy: memoization.MemoizationPolicy) -> int | None:
    """How many states the longest memorised sequence has; None where its keys cannot be read for sure."""
    known = getattr(policy, "_turn_cost_longest_memorised", None)
    if known is None or known[0] is not policy.lookup or known[1] != len(policy.lookup):
        counts = [_states_in_key(policy, key) for key in policy.lookup]
        longest = None if None in counts else max((c for c in counts if c is not None), default=0)
        known = (policy.lookup, len(policy.lookup), longest)
        policy._turn_cost_longest_memorised = known
    return known[2]


def _states_in_key(policy: memoization.MemoizationPolicy, key: str) -> int | None:
    """How many states a memorised key was made of; None where that is not certain.

    A key is the states' JSON with its quotes taken out (compressed, by default), so it cannot be
    parsed back; its states are counted by their braces. That is certain where no value holds
    free text (end-to-end stories put the user's and the bot's texts in states) and the braces
    balance; otherwise the key is counted as unreadable and recall is left as it is.
    """
    try:
        text = (
            zlib.decompress(base64.b64decode(key)).decode()
            if policy.config.get("enable_feature_string_compression")
            else key
        )
    except (ValueError, zlib.error):
        return None
    if "text:" in text or not (text.startswith("[") and text.endswith("]")):
        return None
    depth, states = 0, 0
    for char in text[1:-1]:
        if char == "{":
            states += depth == 0
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return None
    return states if depth == 0 else None


# ── 5. no deep copies for debug lines that are not logged ──


class _CopyForDebugLinesOnly:
    """What `rasa.core.policies.memoization` sees as its `copy` module.

    Its only use of it is `copy.deepcopy(states)` as an argument of a debug log line, made on every
    prediction whether debug logging is on or not: a copy of the dialogue states of the whole
    conversation, so a cost that grows with it. The copy is made only when Rasa logs at debug level.
    """

    @staticmethod
    def deepcopy(value: Any) -> Any:
        return copy.deepcopy(value) if _debug_logged() else value


def _debug_logged() -> bool:
    return logging.getLogger("rasa").isEnabledFor(logging.DEBUG)


def _format_states_for_a_debug_line(states: list[State]) -> str:
    """RulePolicy's `format_tracker_states`: its only use is a debug line, so "" when that is not logged."""
    formatted: str = Policy.format_tracker_states(states) if _debug_logged() else ""
    return formatted


def freeze_after_start(blueprint: Any) -> None:
    """Once the server has started (the model is loaded), settle its garbage collection (`settle_collection`)."""

    @blueprint.listener("after_server_start")
    async def freeze(_app: Any, _loop: Any) -> None:
        settle_collection()


# Python's default is (700, 10, 10): a young collection every 700 new containers, a full one every
# 100 young ones (when the survivors have grown by a quarter). A Rasa process under `make load`
# allocates a few thousand containers a message, and thousands of event-broker publishes wait on
# RabbitMQ's confirms at once, each a dozen objects: the defaults ran 8 full collections in a
# 50-second run, 0.2-0.3 s each, with everything else waiting (docs/benchmarks.md).
GC_THRESHOLDS = (5000, 10, 10)


def settle_collection() -> None:
    """Move every object alive to gc's permanent generation, and collect less often from then on.

    The loaded model is about a million Python objects that live as long as the process. Python's
    full garbage collections walk all of them, and a turn that allocates a lot (a long tracker)
    triggers several: profiling showed them as a third of a long conversation's turn. Frozen
    objects are never walked again; nothing else changes. The thresholds make the collections of
    what is left rarer (GC_THRESHOLDS): garbage in cycles waits a little longer, nothing else changes.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def install_unless_disabled(env: Mapping[str, str] | None = None) -> bool:
    """`install()` unless BOT_TURN_COST_CUTS is off (default on); whether the cuts are in place."""
    source = os.environ if env is None else env
    if not parse_flag(source.get("BOT_TURN_COST_CUTS", "on"), "BOT_TURN_COST_CUTS"):
        return False
    install()
    return True


def install() -> None:
    """Put the cuts in place (once per process)."""
    if _originals:
        return
    _originals["validate"] = RemoteAction._validate_action_result
    _originals["resolve_by_type"] = Event.resolve_by_type
    _originals["states"] = Domain.states_for_tracker_history
    _originals["applied_events"] = DialogueStateTracker.applied_events
    _originals["copy"] = DialogueStateTracker.copy
    DialogueStateTracker.copy = _copy
    _originals["form_tracker"] = FormAction._temporary_tracker
    FormAction._temporary_tracker = _form_tracker
    _originals["memoization_copy"] = memoization.copy
    memoization.copy = _CopyForDebugLinesOnly
    RulePolicy.format_tracker_states = staticmethod(_format_states_for_a_debug_line)
    _originals["rule_keys"] = RulePolicy._get_possible_keys
    RulePolicy._get_possible_keys = _get_possible_keys
    _originals["rule_predict"] = RulePolicy.predict_action_probabilities
    RulePolicy.predict_action_probabilities = _rule_prediction
    _originals["rule_feature_key"] = RulePolicy._create_feature_key
    RulePolicy._create_feature_key = _rule_feature_key
    _originals["memo_recall"] = memoization.MemoizationPolicy._recall_states
    memoization.MemoizationPolicy._recall_states = _recall_states
    _originals["endpoint_session"] = EndpointConfig.session
    EndpointConfig.session = _session
    _originals["action_call"] = RemoteAction._action_call_format
    RemoteAction._action_call_format = action_call
    if delta_calls_wanted():
        _originals["endpoint_request"] = EndpointConfig.request
        EndpointConfig.request = make_request(EndpointConfig.request)
    _originals["ted_predict"] = TEDPolicy.predict_action_probabilities
    TEDPolicy.predict_action_probabilities = _deferred_ted
    _originals["best_policy_prediction"] = DefaultPolicyPredictionEnsemble._best_policy_prediction
    DefaultPolicyPredictionEnsemble._best_policy_prediction = staticmethod(_best_policy_prediction)
    DialogueStateTracker.applied_events = _applied_events
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    Domain.states_for_tracker_history = _states_for_tracker_history
    _originals["prediction_states"] = MaxHistoryTrackerFeaturizer.prediction_states
    MaxHistoryTrackerFeaturizer.prediction_states = _states_for_prediction
    _originals["graph_run"] = DaskGraphRunner.run
    DaskGraphRunner.run = graph_runner.run
    _originals["sparse_combine"] = Features._combine_sparse_features
    Features._combine_sparse_features = sparse_features.make_combine(_originals["sparse_combine"])
    _originals["model_predict"] = RasaModel._rasa_predict
    RasaModel._rasa_predict = model_calls.make_predict(_originals["model_predict"])


def uninstall() -> None:
    """Rasa's own code again (tests compare both)."""
    if not _originals:
        return
    RemoteAction._validate_action_result = _originals.pop("validate")
    Event.resolve_by_type = staticmethod(_originals.pop("resolve_by_type"))
    Domain.states_for_tracker_history = _originals.pop("states")
    MaxHistoryTrackerFeaturizer.prediction_states = _originals.pop("prediction_states")
    DialogueStateTracker.applied_events = _originals.pop("applied_events")
    DialogueStateTracker.copy = _originals.pop("copy")
    FormAction._temporary_tracker = _originals.pop("form_tracker")
    memoization.copy = _originals.pop("memoization_copy")
    del RulePolicy.format_tracker_states  # Policy's own again
    RulePolicy._get_possible_keys = _originals.pop("rule_keys")
    RulePolicy.predict_action_probabilities = _originals.pop("rule_predict")
    RulePolicy._create_feature_key = _originals.pop("rule_feature_key")
    memoization.MemoizationPolicy._recall_states = _originals.pop("memo_recall")
    TEDPolicy.predict_action_probabilities = _originals.pop("ted_predict")
    EndpointConfig.session = _originals.pop("endpoint_session")
    RemoteAction._action_call_format = _originals.pop("action_call")
    if "endpoint_request" in _originals:
        EndpointConfig.request = _originals.pop("endpoint_request")
    DefaultPolicyPredictionEnsemble._best_policy_prediction = staticmethod(_originals.pop("best_policy_prediction"))
    DaskGraphRunner.run = _originals.pop("graph_run")
    Features._combine_sparse_features = _originals.pop("sparse_combine")
    RasaModel._rasa_predict = _originals.pop("model_predict")
    _originals.clear()  # the states found so far stay: they are Rasa's answers (tests compare next calls)
