"""The cost-per-turn cuts (channels/turn_cost.py) give Rasa's own answers.

Each cut is compared with Rasa 3.6's code on the same input: the dialogue states of a
conversation with a form, slots, a rewind, a restart and a new session, taken after every event
both from the growing tracker and from a fresh copy of it (as a tracker store hands one out each
turn); the applied events; the event classes; the action-response check, valid and invalid.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import math
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.brokers.broker import EventBroker
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.policy import PolicyPrediction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from bot.config import REPO_ROOT
from channels import action_call_json, turn_cost
from channels.event_chain import chain
from channels.redacting_store import RedactingSQLTrackerStore

T = TypeVar("T")
FLAGS = [
    {},
    {"omit_unset_slots": True},
    {"ignore_rule_only_turns": True, "rule_only_data": {"slots": ["form_reasks"], "loops": ["callback_form"]}},
    {"ignore_rule_only_turns": True, "rule_only_data": None},
]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO_ROOT / "domain.yml"))


@pytest.fixture
def rasa_only() -> Iterator[None]:
    """Rasa's own code during the test's comparisons (the cuts are put back afterwards)."""
    turn_cost.uninstall()
    yield
    turn_cost.install()


def _user(text: str, intent: str, **entities: str) -> UserUttered:
    found = [{"entity": k, "value": v, "start": 0, "end": 1} for k, v in entities.items()]
    return UserUttered(text, {"name": intent, "confidence": 0.9}, found)


def _conversation() -> list[Event]:
    """A conversation with everything that makes Rasa's applied events differ from its events."""
    listen = ActionExecuted("action_listen")
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        listen,
        _user("借呗能注销吗", "close_account", product="jiebei"),
        SlotSet("product", ["jiebei"]),
        ActionExecuted("action_check_closure"),
        BotUttered("可以注销"),
        SlotSet("closure_ready", True),
        ActionExecuted("closure_form"),
        ActiveLoop("closure_form"),
        SlotSet("requested_slot", "closure_confirmed"),
        ActionExecuted("action_listen"),
        _user("嗯", "affirm"),
        ActionExecuted("closure_form"),  # the form again: Rasa drops its earlier step from the applied events
        SlotSet("closure_confirmed", True),
        SlotSet("requested_slot", "closure_code"),
        ActionExecuted("action_listen"),
        _user("不对", "deny"),
        UserUtteranceReverted(),  # rewinds the last user turn
        ActionExecuted("action_listen"),
        _user("算了", "deny"),
        ActionExecuted("closure_form"),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        ActionExecuted("utter_closure_cancelled", hide_rule_turn=True),
        ActionExecuted("action_listen"),
        _user("你好", "greet"),
        ActionExecuted("utter_greet"),
        ActionReverted(),  # undoes the greeting
        ActionExecuted("callback_form"),  # not a loop yet: applied as any action, until ...
        ActionExecuted("callback_form"),
        ActiveLoop("callback_form"),  # ... this makes it one, and Rasa counts the two above anew
        ActiveLoop(None),
        ActionExecuted("action_listen"),
        Restarted(),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        _user("花呗呢", "inform", product="huabei"),
        SlotSet("product", ["huabei"]),
        ActionExecuted("action_check_closure"),
        ActionExecuted("action_listen"),
    ]


def _both_ways(call: Callable[[], T]) -> tuple[T, T]:
    """`call()` with the cuts in, then with Rasa's own code (the cuts are put back afterwards)."""
    turn_cost.install()
    ours = call()
    turn_cost.uninstall()
    try:
        rasa = call()
    finally:
        turn_cost.install()
    return ours, rasa


def _states_both_ways(domain: Domain, tracker: DialogueStateTracker, flags: dict[str, Any]) -> tuple[Any, Any]:
    return _both_ways(lambda: domain.states_for_tracker_history(tracker, **flags))


@pytest.mark.parametrize("flags", FLAGS, ids=lambda f: ",".join(f) or "default")
def test_states_after_every_event_are_rasas(domain: Domain, flags: dict[str, Any]) -> None:
    turn_cost.install()
    growing = DialogueStateTracker("turn_cost_states", domain.slots)
    for n, event in enumerate(_conversation()):
        growing.update(event)
        ours, rasa = _states_both_ways(domain, growing, flags)
        assert ours == rasa, f"after event {n}: {event}"
        # a fresh copy each time, as the tracker store hands out every turn
        fresh = DialogueStateTracker.from_events("turn_cost_states", list(growing.events), domain.slots)
        ours, rasa = _states_both_ways(domain, fresh, flags)
        assert ours == rasa, f"fresh copy after event {n}: {event}"


def _with_unlikely_intents(events: list[Event]) -> list[Event]:
    """`events` with `action_unlikely_intent` after every user message, as UnexpecTED adds it."""
    marked: list[Event] = []
    for event in events:
        marked.append(event)
        if isinstance(event, UserUttered):
            marked.append(ActionExecuted("action_unlikely_intent"))
    return marked


_PREDICTION_WAYS = [
    (max_history, use_text, ignore_unlikely)
    for max_history in (5, 1, None)  # TED and memoization (5), RulePolicy (None)
    for use_text in (True, False)
    for ignore_unlikely in (True, False)
]


def _prediction_states(domain: Domain, tracker: DialogueStateTracker, way: tuple[Any, bool, bool]) -> Any:
    max_history, use_text, ignore_unlikely = way
    return MaxHistoryTrackerFeaturizer(max_history=max_history).prediction_states(
        [tracker], domain, use_text_for_last_user_input=use_text, ignore_action_unlikely_intent=ignore_unlikely
    )


@pytest.mark.parametrize(
    "events", [_conversation(), _with_unlikely_intents(_conversation())], ids=["plain", "unlikely"]
)
def test_prediction_states_are_rasas_and_what_they_edit_changes_no_later_answer(
    domain: Domain, events: list[Event]
) -> None:
    turn_cost.install()
    growing = DialogueStateTracker("turn_cost_edits", domain.slots)
    for n, event in enumerate(events):
        growing.update(event)
        for way in _PREDICTION_WAYS:  # every way Rasa's policies ask, each editing what it is given
            ours, rasa = _both_ways(lambda: _prediction_states(domain, growing, way))  # noqa: B023
            assert ours == rasa, f"{way} after event {n}: {event}"
        ours, rasa = _states_both_ways(domain, growing, {})
        assert ours == rasa, f"after event {n}: {event}"


# Events by a letter each, for the step-by-step comparisons below (written as strings of codes).
_STEP_CODES: dict[str, Callable[[], Event]] = {
    "L": lambda: ActionExecuted("action_listen"),
    "U": lambda: _user("借呗能注销吗", "close_account", product="jiebei"),
    "H": lambda: _user("你好", "greet"),
    "X": lambda: ActionExecuted("action_unlikely_intent"),
    "G": lambda: ActionExecuted("utter_greet"),
    "B": lambda: BotUttered("好的"),
    "F": lambda: FollowupAction("utter_greet"),
    "S": lambda: SlotSet("product", ["huabei"]),
    "R": lambda: UserUtteranceReverted(),
    "A": lambda: ActionReverted(),
    "T": lambda: Restarted(),
    "N": lambda: SessionStarted(),
}


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="LUHXGRA", max_size=30))
def test_prediction_states_after_rewinds_among_unlikely_intents_are_rasas(domain: Domain, codes: str) -> None:
    """Rewinds drop the states after a checkpoint, and with them where the unlikely intents were."""
    turn_cost.install()
    tracker = DialogueStateTracker(f"turn_cost_unlikely_{codes}", domain.slots)
    for n, code in enumerate(codes):
        tracker.update(_STEP_CODES[code]())
        for way in [(None, False, True), (5, True, True), (None, True, False)]:
            ours, rasa = _both_ways(lambda: _prediction_states(domain, tracker, way))  # noqa: B023
            assert ours == rasa, f"{way} after step {n}"


@pytest.mark.parametrize(
    "codes",
    [
        "LUGLUGLUGLUXGLUGRRRRLUXGLUGLUG",  # an unlikely intent, rewound away, then one earlier in the session
        "LUGLUGLUGLUGLUXGLURRRRRLUXGLUGLUGLU",
    ],
)
def test_prediction_states_where_a_rewind_moved_the_unlikely_intents_are_rasas(domain: Domain, codes: str) -> None:
    turn_cost.install()
    tracker = DialogueStateTracker(f"turn_cost_moved_{codes}", domain.slots)
    for n, code in enumerate(codes):
        tracker.update(_STEP_CODES[code]())
        for way in [(None, False, True), (5, True, True)]:
            ours, rasa = _both_ways(lambda: _prediction_states(domain, tracker, way))  # noqa: B023
            assert ours == rasa, f"{way} after step {n}"


def test_only_the_states_a_prediction_may_edit_are_copies(domain: Domain) -> None:
    turn_cost.install()
    tracker = DialogueStateTracker.from_events("turn_cost_tail", _conversation()[:13], domain.slots)
    way = (None, False, True)  # RulePolicy's: every state
    first, second = (_prediction_states(domain, tracker, way)[0] for _ in range(2))
    assert first == second
    assert all(a is b for a, b in zip(first[:-1], second[:-1], strict=True))  # made once, handed out as they are
    assert first[-1] is not second[-1] and first[-1]["user"] is not second[-1]["user"]
    tracker.update(ActionExecuted("action_unlikely_intent"))
    way = (None, False, False)
    first, second = (_prediction_states(domain, tracker, way)[0] for _ in range(2))
    assert first[-2] is not second[-2]  # the last state kept where `action_unlikely_intent` is dropped
    # every other caller still gets copies of every state
    first, second = (domain.states_for_tracker_history(tracker) for _ in range(2))
    assert not any(a is b for a, b in zip(first, second, strict=True))


@pytest.mark.parametrize("read_at", [6, 13, 20, 27])
def test_a_tracker_read_back_from_a_store_is_compared_once_then_matched_by_identity(
    domain: Domain, read_at: int
) -> None:
    """A store read gives copies of the events consumed; comparing each again every turn grew with the session."""
    cache = turn_cost.HistoryCache()
    events = _conversation()
    cache.states(domain, DialogueStateTracker.from_events("read_back", events[:read_at], domain.slots))
    copies = [Event.from_parameters(event.as_dict()) for event in events[: read_at + 4]]
    read = DialogueStateTracker.from_events("read_back", copies, domain.slots)
    assert cache.states(domain, read) == turn_cost._originals["states"](domain, read)
    (history,) = cache.entries.values()
    assert len(history.events) == len(read.applied_events())
    assert all(mine is theirs for mine, theirs in zip(history.events, read.applied_events(), strict=True))


def test_the_cache_keeps_a_bounded_number_of_conversations(domain: Domain) -> None:
    cache = turn_cost.HistoryCache(size=3)
    for n in range(10):
        tracker = DialogueStateTracker.from_events(f"c{n}", _conversation()[:6], domain.slots)
        cache.states(domain, tracker)
    assert len(cache.entries) == 3


def test_applied_events_are_rasas_after_every_event(domain: Domain) -> None:
    turn_cost.install()
    tracker = DialogueStateTracker("turn_cost_applied", domain.slots)
    for event in _conversation():
        tracker.update(event)
        ours = tracker.applied_events()
        ours.append(ActionExecuted("edited_by_a_caller"))  # a caller's edit is its own
        assert tracker.applied_events() == turn_cost._originals["applied_events"](tracker)
        assert turn_cost._applied(tracker).after_restart == tracker.idx_after_latest_restart()
    # a second restart later on, and a tracker rebuilt from the same events
    tracker.update(Restarted())
    tracker.update(ActionExecuted("action_listen"))
    assert turn_cost._applied(tracker).after_restart == tracker.idx_after_latest_restart() == len(tracker.events) - 1
    rebuilt = DialogueStateTracker.from_events("turn_cost_applied", list(tracker.events)[:-3], domain.slots)
    assert turn_cost._applied(rebuilt).after_restart == rebuilt.idx_after_latest_restart() > 0


def _state(tracker: DialogueStateTracker) -> tuple[Any, ...]:
    """Everything a copy is used for: what the action server is sent, the applied events, the rest of the state."""
    return (
        tracker.current_state(EventVerbosity.ALL),
        tracker.applied_events(),
        tracker.followup_action,
        (tracker.sender_id, tracker.sender_source, tracker.model_id, tracker.assistant_id, tracker.is_rule_tracker),
        {name: slot.value for name, slot in tracker.slots.items()},
    )


def _copies_both_ways(tracker: DialogueStateTracker) -> tuple[DialogueStateTracker, DialogueStateTracker]:
    return _both_ways(lambda: tracker.copy())  # looked up at each call: the cuts come and go


def test_tracker_copies_are_rasas_after_every_event(domain: Domain) -> None:
    turn_cost.install()
    tracker = DialogueStateTracker("turn_cost_copy", domain.slots)
    tracker.model_id = "a-model"
    events = _conversation()
    events[12:12] = [FollowupAction("utter_greet"), BotUttered("好的")]  # a follow-up still pending
    for n, event in enumerate(events):
        tracker.update(event)
        ours, rasa = _copies_both_ways(tracker)
        assert _state(ours) == _state(rasa), f"after event {n}: {event}"
        if tracker.followup_action:  # the processor clears it without an event; a replay does not see that
            tracker.clear_followup_action()
            ours, rasa = _copies_both_ways(tracker)
            assert _state(ours) == _state(rasa), f"cleared after event {n}: {event}"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="LUGBFSRATN", max_size=25))
def test_tracker_copies_after_rewinds_and_follow_ups_are_rasas(domain: Domain, codes: str) -> None:
    """A rewind as the last word on the follow-up action, with follow-ups, restarts and rewinds before it."""
    turn_cost.install()
    tracker = DialogueStateTracker("turn_cost_rewound", domain.slots)
    for n, code in enumerate(codes):
        tracker.update(_STEP_CODES[code]())
        ours, rasa = _copies_both_ways(tracker)
        assert _state(ours) == _state(rasa), f"after step {n}"
        tracker.clear_followup_action()  # as the processor does, without an event
        ours, rasa = _copies_both_ways(tracker)
        assert _state(ours) == _state(rasa), f"cleared after step {n}"


def test_a_tracker_copy_is_a_tracker_of_its_own(domain: Domain) -> None:
    turn_cost.install()
    tracker = DialogueStateTracker.from_events("turn_cost_own_copy", _conversation()[:11], domain.slots)
    assert tracker.active_loop_name == "closure_form"
    before = _state(tracker)
    copied = tracker.copy()
    stepping = [LoopInterrupted(True), ActionExecutionRejected("closure_form"), SlotSet("product", ["jiebei"])]
    for event in [*stepping, _user("借呗呢", "inform", product="jiebei"), ActiveLoop("callback_form")]:
        copied.update(event)
    assert _state(tracker) == before
    assert not tracker.active_loop.is_interrupted and not tracker.active_loop.rejected


def _rule_keys(states: list[Any]) -> dict[str, str]:
    """Rules as RulePolicy stores them (JSON of their states), of every length, some matching, some not."""
    never = {"user": {"intent": "never_said"}, "prev_action": {"action_name": "action_listen"}}
    rules = [states[max(0, end - length) : end] for end in range(1, len(states) + 1) for length in (1, 2, 3, 5)]
    rules += [[never, *rule[1:]] for rule in rules if len(rule) > 1]  # fails only at its oldest state
    rules += [[never]]
    rules += [
        [{}, {"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"}}]
    ]  # a conversation start
    return {json.dumps(rule, sort_keys=True): "an_action" for rule in rules if rule}


def test_rule_policy_finds_rasas_rules_after_every_event(domain: Domain) -> None:
    from rasa.core.policies.rule_policy import RulePolicy

    policy = RulePolicy.__new__(RulePolicy)  # the lookup uses no state of the policy
    turn_cost.install()
    tracker = DialogueStateTracker.from_events("turn_cost_rules", _conversation(), domain.slots)
    states = domain.states_for_tracker_history(tracker)
    lookup = _rule_keys(states)
    for end in range(len(states) + 1):
        ours, rasa = _both_ways(lambda: policy._get_possible_keys(lookup, states[:end]))  # noqa: B023
        assert ours == rasa, f"after state {end}"
    assert ours and ours != set(lookup)  # some rules matched at the end, not all


def test_rule_policy_finds_rasas_rules_after_a_bot_text_and_for_rules_with_unset_values() -> None:
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core.constants import SHOULD_NOT_BE_SET

    policy = RulePolicy.__new__(RulePolicy)
    rules: list[list[dict[str, Any]]] = [
        [{"prev_action": {"action_name": SHOULD_NOT_BE_SET}}],  # follows an action without a name
        [{"prev_action": {"action_name": "action_listen"}}],
        [{"prev_action": {"action_text": "你好"}}],
        [{"prev_action": {"action_name": ""}, "user": {"intent": "greet"}}],
        [{}],
    ]
    lookup = {json.dumps(rule, sort_keys=True): "an_action" for rule in rules}
    for last in ({"prev_action": {"action_text": "你好"}}, {"prev_action": {"action_name": "action_listen"}}, {}):
        states: list[Any] = [{}, {**last, "user": {"intent": "greet"}}]
        ours, rasa = _both_ways(lambda: policy._get_possible_keys(lookup, states))  # noqa: B023
        assert ours == rasa, last


def test_rule_policys_no_rule_key_in_a_prediction_answers_as_rasas(domain: Domain) -> None:
    """Where no rule applies, a prediction only asks whether the key is a rule not in stories."""
    from rasa.core.policies.rule_policy import RULE_SNIPPET_ACTION_NAME, RULES_NOT_IN_STORIES, RulePolicy

    turn_cost.install()
    tracker = DialogueStateTracker.from_events("no_rule_key", _conversation(), domain.slots)
    states = domain.states_for_tracker_history(tracker)
    # rule keys, and the names Rasa gives its default and loop rules
    not_in_stories = [json.dumps(states[:3], sort_keys=True), "handling active loops and forms - closure_form"]
    policy = RulePolicy.__new__(RulePolicy)
    policy.lookup = {RULES_NOT_IN_STORIES: not_in_stories}
    snippet = {"prev_action": {"action_name": RULE_SNIPPET_ACTION_NAME}}
    cases = [states[:end] for end in range(len(states) + 1)] + [[*states, snippet, *states[:3]]]
    policy._turn_cost_predicting = True
    for case in cases:
        ours = policy._create_feature_key(case)
        rasa = turn_cost._originals["rule_feature_key"](policy, case)
        assert (ours in not_in_stories) == (rasa in not_in_stories), len(case)
        if len(case) <= 3 or snippet in case:
            assert ours == rasa  # short enough to be such a rule, or cut short by a rule snippet
    assert policy._create_feature_key(states) == ""  # the placeholder: longer than any such rule
    policy._turn_cost_predicting = False  # training's rule checks read the keys themselves
    assert policy._create_feature_key(states) == json.dumps(states, sort_keys=True)


@pytest.mark.parametrize("compressed", [True, False])
def test_memoization_recalls_as_rasa_does_without_keys_for_longer_conversations(
    domain: Domain, compressed: bool
) -> None:
    from rasa.core.policies.memoization import MemoizationPolicy

    turn_cost.install()
    tracker = DialogueStateTracker.from_events("memo", _conversation()[:30], domain.slots)  # before its restart
    states = _prediction_states(domain, tracker, (None, False, True))[0]  # as the policy gets them
    assert len(states) > 6  # longer than the longest memorised
    policy = MemoizationPolicy.__new__(MemoizationPolicy)
    policy.config = {"enable_feature_string_compression": compressed}
    policy.lookup = {policy._create_feature_key(states[:end]): f"action_{end}" for end in (1, 4, 6)}
    recalled = turn_cost._originals["memo_recall"]
    for end in range(len(states) + 1):
        assert policy._recall_states(states[:end]) == recalled(policy, states[:end]), end
    assert turn_cost._longest_memorised(policy) == 6 and policy._recall_states(states[:6]) == "action_6"
    # a key with the user's text in it (an end-to-end story) cannot be counted for sure: recall as it was
    policy.lookup = {policy._create_feature_key([{"user": {"text": "}}, {{"}}]): "action_text"}
    assert turn_cost._longest_memorised(policy) is None
    unbalanced = {"prev_action": {"action_name": "utter_{"}}
    policy.lookup = {policy._create_feature_key([unbalanced]): "action_unbalanced"}
    assert turn_cost._longest_memorised(policy) is None
    assert policy._recall_states([unbalanced]) == "action_unbalanced"


def test_rule_policy_is_marked_as_predicting_only_while_it_predicts(monkeypatch: Any) -> None:
    from rasa.core.policies.rule_policy import RulePolicy

    turn_cost.install()
    seen: list[bool] = []
    monkeypatch.setitem(
        turn_cost._originals, "rule_predict", lambda policy, *a, **k: seen.append(policy._turn_cost_predicting)
    )
    policy = RulePolicy.__new__(RulePolicy)
    policy.predict_action_probabilities(None, None)
    assert seen == [True] and policy._turn_cost_predicting is False


def test_event_classes_by_name_are_rasas(rasa_only: None) -> None:
    names = {cls.type_name for cls in turn_cost.all_subclasses(Event)}
    rasa = {name: Event.resolve_by_type(name) for name in names}
    turn_cost.install()
    assert {name: Event.resolve_by_type(name) for name in names} == rasa
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet


def _remote_action() -> RemoteAction:
    return RemoteAction("action_check_closure", EndpointConfig("http://127.0.0.1:1/webhook"))


@pytest.mark.parametrize(
    "result",
    [
        {"events": [{"event": "slot", "name": "product", "value": ["huabei"]}], "responses": [{"text": "好"}]},
        {"events": [{"event": "slot", "name": "product"}], "responses": []},  # a slot event without a value
        {"events": [{"event": "no_such_event"}], "responses": []},
        {"events": "not a list", "responses": []},
        {"events": [], "responses": ["not an object"]},
        {
            "events": [
                {"event": "bot", "text": "好的", "timestamp": None},
                {"event": "user", "text": "嗯", "parse_data": {"intent": {"name": "affirm", "confidence": 1.0}}},
                {"event": "action", "name": "action_listen", "policy": None, "confidence": 1.0},
                {"event": "active_loop", "name": None},
                {"event": "followup", "name": "utter_greet"},
                {"event": "reset_slots"},
                {"event": "session_started", "metadata": {"channel": "rest"}},
            ],
            "responses": [],
        },
        {"events": [{"event": "slot", "name": 7, "value": 1}], "responses": []},  # a slot name that is no string
        {"events": [{"event": "user", "text": 5}], "responses": []},
        {"events": [{"event": "bot", "timestamp": "yesterday"}], "responses": []},
        {"events": [{"name": "product", "value": 1}], "responses": []},  # no event type
        {"events": [{"event": 3}], "responses": []},
        {"events": ["slot"], "responses": []},
        {"events": None, "responses": []},
        {"responses": []},
        ["not", "an", "object"],
    ],
)
def test_the_action_response_check_agrees_with_rasas(result: Any) -> None:
    def outcome() -> str:
        try:
            return str(_remote_action()._validate_action_result(result))
        except ValidationError as e:
            return f"refused: {e.message}"

    turn_cost.uninstall()
    rasa = outcome()
    turn_cost.install()
    assert outcome() == rasa


class _Collecting(EventBroker):
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


def test_the_sql_store_publishes_exactly_the_events_it_stores(domain: Domain, tmp_path: Any) -> None:
    broker = _Collecting()
    store = RedactingSQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "t.db"), event_broker=broker)
    counts = _counting_queries(store)
    tracker = DialogueStateTracker.from_events("publish", _conversation()[:6], domain.slots)
    asyncio.run(store.save(tracker))
    assert [e["event"] for e in broker.published] == [e.type_name for e in _conversation()[:6]]
    stored = asyncio.run(store.retrieve("publish"))
    assert stored is not None
    for event in _conversation()[6:9]:
        stored.update(event)
    asyncio.run(store.save(stored))
    assert [e["event"] for e in broker.published[6:]] == ["bot", "slot", "action"]
    asyncio.run(store.save(stored))  # nothing new: nothing published again
    assert len(broker.published) == 9
    # a save counts the stored rows once (publishing and writing share it), and not at all right
    # after a read: the conversation kept since then knows them (channels/redacting_store.py)
    assert len(counts) == 2
    again = asyncio.run(store.retrieve("publish"))
    assert again is not None and list(again.events) == list(stored.events)  # each stored once, in order


def test_the_sql_store_counts_afresh_after_a_failed_publish(domain: Domain, tmp_path: Any) -> None:
    class Failing(_Collecting):
        def publish(self, event: dict[str, Any]) -> None:
            raise ConnectionError("broker down")

    store = RedactingSQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "t.db"), event_broker=_Collecting())
    asyncio.run(store.save(DialogueStateTracker.from_events("fails", _conversation()[:6], domain.slots)))
    tracker = asyncio.run(store.retrieve("fails"))  # as Rasa hands it out: the latest session's events
    assert tracker is not None
    store.event_broker = Failing()
    tracker.update(_conversation()[6])
    with pytest.raises(ConnectionError):
        asyncio.run(store.save(tracker))
    assert store._counted == {}  # nothing left over for the next save
    store.event_broker = _Collecting()
    real_scope, scopes = store.session_scope, []

    def down_after_publishing() -> Any:  # the database goes away between publishing and writing
        scopes.append(1)
        if len(scopes) == 2:
            raise ConnectionError("database down")
        return real_scope()

    store.session_scope = down_after_publishing
    with pytest.raises(ConnectionError):
        asyncio.run(store.save(tracker))
    store.session_scope = real_scope
    assert store._counted == {}
    store.event_broker = None  # Rasa's own count then
    asyncio.run(store.save(tracker))
    stored = asyncio.run(store.retrieve("fails"))
    assert stored is not None and list(stored.events) == list(tracker.events)  # each stored once, in order


def _counting_queries(store: RedactingSQLTrackerStore) -> list[str]:
    """The COUNT statements `store` runs from now on."""
    import sqlalchemy

    counts: list[str] = []

    @sqlalchemy.event.listens_for(store.engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "count(" in statement.lower():
            counts.append(statement)

    return counts


def test_memoization_copies_states_only_for_debug_lines_that_are_logged() -> None:
    turn_cost.install()
    from rasa.core.policies import memoization

    states = [{"user": {"intent": "greet"}}]
    rasa_logger = logging.getLogger("rasa")
    level = rasa_logger.level
    try:
        rasa_logger.setLevel(logging.INFO)
        assert memoization.copy.deepcopy(states) is states
        rasa_logger.setLevel(logging.DEBUG)
        copied = memoization.copy.deepcopy(states)
        assert copied == states and copied is not states and copied[0] is not states[0]
    finally:
        rasa_logger.setLevel(level)


def test_rule_policy_formats_states_only_for_debug_lines_that_are_logged() -> None:
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy

    turn_cost.install()
    states = [{"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"}}]
    rasa_logger = logging.getLogger("rasa")
    level = rasa_logger.level
    try:
        rasa_logger.setLevel(logging.INFO)
        assert RulePolicy.format_tracker_states(states) == ""
        rasa_logger.setLevel(logging.DEBUG)
        assert RulePolicy.format_tracker_states(states) == Policy.format_tracker_states(states) != ""
    finally:
        rasa_logger.setLevel(level)
    turn_cost.uninstall()
    try:
        assert RulePolicy.format_tracker_states(states) == Policy.format_tracker_states(states)
    finally:
        turn_cost.install()


def test_an_operator_can_switch_the_cuts_off() -> None:
    was_installed = bool(turn_cost._originals)
    turn_cost.uninstall()
    rasas_own = Domain.states_for_tracker_history
    try:
        assert turn_cost.install_unless_disabled({"BOT_TURN_COST_CUTS": "off"}) is False
        assert Domain.states_for_tracker_history is rasas_own  # Rasa's own code stays in place
        assert turn_cost.install_unless_disabled({}) is True
        assert Domain.states_for_tracker_history is not rasas_own
    finally:
        turn_cost.uninstall()
        if was_installed:
            turn_cost.install()


# ── TED run only when its answer could be chosen ──

SMALL_DOMAIN = Domain.from_dict({"intents": ["greet"], "actions": ["utter_a", "utter_b", "action_c"]})
# the rejected action (utter_a) among them: confidences land on few actions, so they collide
ACTIONS_THAT_MATTER = [SMALL_DOMAIN.index_for_action(a) for a in ("utter_a", "utter_b", "action_c", "action_listen")]


def _prediction(probabilities: list[float], policy: str, priority: int, **flags: Any) -> PolicyPrediction:
    return PolicyPrediction(probabilities, policy, priority, **flags)


@st.composite
def _ensembles(draw: Any) -> tuple[list[PolicyPrediction], PolicyPrediction, bool]:
    """Settled predictions of higher priorities, TED's own answer, and whether an action was rejected."""
    size = SMALL_DOMAIN.num_actions
    confidence = st.sampled_from([0.0, 0.3, 0.5, 0.99, 1.0]) | st.floats(0.0, 1.0)
    priorities = draw(st.lists(st.integers(2, 9), min_size=1, max_size=4, unique=True))
    settled = []
    for priority in priorities:
        probabilities = [0.0] * size
        for index in draw(st.lists(st.sampled_from(ACTIONS_THAT_MATTER), max_size=2)):
            probabilities[index] = draw(confidence)
        no_user, e2e = draw(st.booleans()) and draw(st.booleans()), draw(st.booleans()) and draw(st.booleans())
        events = [SlotSet("s", priority)] if draw(st.booleans()) else []
        settled.append(
            _prediction(
                probabilities,
                f"P{priority}",
                priority,
                is_no_user_prediction=no_user,
                is_end_to_end_prediction=e2e,
                events=events,
            )
        )
    ted = [draw(confidence) for _ in range(size)]
    optional = [SlotSet("from_ted", True)]
    return settled, _prediction(ted, "TEDPolicy", 1, optional_events=optional), draw(st.booleans())


def _tracker(rejected: bool) -> DialogueStateTracker:
    events: list[Event] = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})]
    if rejected:
        events.append(ActionExecutionRejected("utter_a"))
    return DialogueStateTracker.from_events("turn_cost_ted", events)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(_ensembles())
def test_the_ensemble_chooses_as_rasa_does_with_ted_computed_only_when_needed(
    case: tuple[list[PolicyPrediction], PolicyPrediction, bool],
) -> None:
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble

    settled, ted, rejected = case
    tracker = _tracker(rejected)
    turn_cost.uninstall()
    try:
        rasa = DefaultPolicyPredictionEnsemble._best_policy_prediction(
            [copy.deepcopy(p) for p in [*settled, ted]], tracker, SMALL_DOMAIN
        )
    finally:
        turn_cost.install()
    computed: list[bool] = []

    def compute() -> PolicyPrediction:
        computed.append(True)
        return copy.deepcopy(ted)

    deferred = turn_cost._DeferredPrediction(_ted_policy(), compute)
    ours = DefaultPolicyPredictionEnsemble._best_policy_prediction(
        [*[copy.deepcopy(p) for p in settled], deferred], tracker, SMALL_DOMAIN
    )
    assert ours == rasa
    if rasa.policy_name == "TEDPolicy":
        assert computed


def _ted_policy(**config: Any) -> Any:
    """A TEDPolicy with only what the deferral reads (building a real one means training it)."""
    from rasa.core.policies.ted_policy import TEDPolicy

    policy = TEDPolicy.__new__(TEDPolicy)
    policy.priority = 1
    policy.model = config.pop("model", object())
    policy.fake_features = config.pop("fake_features", {"intent": []})
    policy.config = {"model_confidence": "softmax", **config}
    return policy


def test_ted_is_not_run_when_a_rule_has_decided() -> None:
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble

    size = SMALL_DOMAIN.num_actions
    rule = _prediction([1.0 if i == 3 else 0.0 for i in range(size)], "RulePolicy", 6)
    deferred = turn_cost._DeferredPrediction(_ted_policy(), lambda: pytest.fail("TED was run"))
    chosen = DefaultPolicyPredictionEnsemble._best_policy_prediction([rule, deferred], _tracker(False), SMALL_DOMAIN)
    assert chosen.policy_name == "RulePolicy"
    # the rule's action was just rejected: TED's answer may be the one, so it is run
    rule = _prediction([1.0 if i == SMALL_DOMAIN.index_for_action("utter_a") else 0.0 for i in range(size)], "R", 6)
    ted = _prediction([0.5] * size, "TEDPolicy", 1)
    deferred = turn_cost._DeferredPrediction(_ted_policy(), lambda: ted)
    chosen = DefaultPolicyPredictionEnsemble._best_policy_prediction([rule, deferred], _tracker(True), SMALL_DOMAIN)
    assert chosen.policy_name == "TEDPolicy"


@pytest.mark.parametrize(
    ("config", "deferred"),
    [
        ({}, True),
        ({"model": None}, False),  # untrained: Rasa's default answer at once
        ({"fake_features": {"intent": [], "text": []}}, False),  # end-to-end: may overrule the others
        ({"model_confidence": "linear_norm"}, False),  # confidences not bounded by 1.0
    ],
)
def test_ted_is_deferred_only_where_it_cannot_overrule(
    config: dict[str, Any], deferred: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = _prediction([0.2], "TEDPolicy", 1)
    calls: list[tuple[Any, ...]] = []

    def original(*args: Any, **kwargs: Any) -> PolicyPrediction:
        calls.append(args)
        return answer

    monkeypatch.setitem(turn_cost._originals, "ted_predict", original)
    policy = _ted_policy(**config)
    tracker = _tracker(False)
    prediction = turn_cost._deferred_ted(policy, tracker, SMALL_DOMAIN, rule_only_data=None)
    assert isinstance(prediction, turn_cost._DeferredPrediction) is deferred
    assert bool(calls) is not deferred
    if deferred:
        assert prediction.compute() is answer and calls == [(policy, tracker, SMALL_DOMAIN)]


# ── the tracker sent to the action server encoded by ujson ──

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(_json_values)
def test_action_calls_carry_the_json_value_rasa_would_send(value: Any) -> None:
    assert json.loads(action_call_json.dumps(value)) == json.loads(json.dumps(value))


def test_a_whole_tracker_is_sent_as_rasa_would_send_it(domain: Domain) -> None:
    tracker = DialogueStateTracker.from_events("json", _conversation(), domain.slots)
    state = tracker.current_state(EventVerbosity.ALL)
    text = action_call_json.dumps(state)
    assert json.loads(text) == json.loads(json.dumps(state)) and text.isascii()  # non-ASCII escaped, as json does
    assert "\\/" not in text  # slashes as they are


def test_values_outside_strict_json_are_sent_as_rasa_sends_them() -> None:
    value = {"nan": float("nan"), "inf": float("inf"), "big": 2**70, "pair": (1, 2)}
    ours, rasa = json.loads(action_call_json.dumps(value)), json.loads(json.dumps(value))
    assert math.isnan(ours.pop("nan")) and math.isnan(rasa.pop("nan"))
    assert ours == rasa
    with pytest.raises(TypeError):  # not JSON at all: an error, as with Rasa's encoder
        action_call_json.dumps({"a": {1, 2}})


def test_endpoint_sessions_encode_with_it() -> None:
    async def serializer() -> Any:
        async with EndpointConfig("http://127.0.0.1:9/webhook").session() as session:
            return session._json_serialize

    assert asyncio.run(serializer()) is action_call_json.dumps
    turn_cost.uninstall()
    try:
        assert asyncio.run(serializer()) is json.dumps
    finally:
        turn_cost.install()


def _sent(domain: Domain, tracker: DialogueStateTracker) -> tuple[Any, Any]:
    """The call to the action server as JSON values: with the cuts, and as Rasa would send it."""
    action = _remote_action()
    ours, rasa = _both_ways(lambda: action._action_call_format(tracker, domain))
    return json.loads(action_call_json.dumps(ours)), json.loads(json.dumps(rasa))


def test_action_calls_are_rasas_after_every_event(domain: Domain) -> None:
    tracker = DialogueStateTracker("calls", domain.slots)
    tracker.model_id = "a-model"
    assert _sent(domain, tracker)[0] == _sent(domain, tracker)[1]  # no event yet
    for n, event in enumerate(_conversation()):
        tracker.update(event)
        ours, rasa = _sent(domain, tracker)
        assert ours == rasa, f"after event {n}: {event}"
        assert ours["tracker"]["events"][-1]["timestamp"] == event.timestamp


def test_calls_going_on_from_the_last_one_or_not_are_rasas(domain: Domain) -> None:
    """Each call goes on from the conversation's last one only where its events are the very same objects."""
    growing = DialogueStateTracker("going_on", domain.slots)
    for n, event in enumerate(_conversation()):
        growing.update(event)
        ours, rasa = _sent(domain, growing)
        assert ours == rasa, f"after event {n}: {event}"
        # a store read gives copies; another conversation's call comes between
        copies = [Event.from_parameters(e.as_dict()) for e in growing.events]
        read = DialogueStateTracker.from_events("going_on", copies, domain.slots)
        ours, rasa = _sent(domain, read)
        assert ours == rasa, f"read back after event {n}: {event}"
        other = DialogueStateTracker.from_events("another", _conversation()[: n + 1], domain.slots)
        ours, rasa = _sent(domain, other)
        assert ours == rasa, f"another conversation after event {n}"
    shorter = DialogueStateTracker.from_events("going_on", list(growing.events)[:5], domain.slots)
    assert _sent(domain, shorter)[0] == _sent(domain, shorter)[1]


def test_a_call_after_a_forms_temporary_tracker_goes_on_from_the_events_they_share(
    domain: Domain, monkeypatch: Any
) -> None:
    events = _conversation()[:12]
    tracker = DialogueStateTracker.from_events("shared", events, domain.slots)
    _sent(domain, tracker)
    # the form's validation call: the conversation, then an action and a slot of its own
    temporary = DialogueStateTracker.from_events(
        "shared", [*events, ActionExecuted("closure_form"), SlotSet("product", ["huabei"])], domain.slots
    )
    ours, rasa = _sent(domain, temporary)
    assert ours == rasa
    digested: list[str] = []
    counting = action_call_json.event_digest

    def digest(text: str) -> bytes:
        digested.append(text)
        return counting(text)

    monkeypatch.setattr(action_call_json, "event_digest", digest)
    tracker.update(BotUttered("好的"))  # the real tracker goes on without the form's events
    ours, rasa = _sent(domain, tracker)
    assert ours == rasa
    assert len(digested) == 1  # only the new event; the twelve it shares with the form's call are carried over
    carried = action_call_json.encoded_events(tracker)
    assert carried.links == chain(carried.digests) and len(carried.texts) == 13


def test_calls_are_remembered_for_a_bounded_number_of_conversations(domain: Domain, monkeypatch: Any) -> None:
    monkeypatch.setattr(action_call_json, "MAX_REMEMBERED_CALLS", 2)
    for n in range(4):
        _sent(domain, DialogueStateTracker.from_events(f"bounded_{n}", _conversation()[:3], domain.slots))
    assert list(action_call_json._last_calls)[-2:] == ["bounded_2", "bounded_3"]
    assert len(action_call_json._last_calls) == 2


def test_an_edited_copy_of_a_sent_event_is_sent_as_edited(domain: Domain) -> None:
    # Rasa's two-stage fallback sends a deep copy of the user's message with its confidence set to 1
    tracker = DialogueStateTracker.from_events("edited", _conversation()[:4], domain.slots)
    _sent(domain, tracker)
    clarified = copy.deepcopy(tracker.latest_message)
    assert clarified is not None
    clarified.parse_data["intent"]["confidence"] = 1.0
    tracker.update(clarified)
    ours, rasa = _sent(domain, tracker)
    assert ours == rasa and ours["tracker"]["events"][-1]["parse_data"]["intent"]["confidence"] == 1.0


def test_where_ujson_gives_up_the_call_is_written_by_json(domain: Domain, monkeypatch: Any) -> None:
    tracker = DialogueStateTracker.from_events("fallback", _conversation()[:6], domain.slots)
    _sent(domain, tracker)  # the events' texts made by ujson, kept

    def refuse(value: Any, **_: Any) -> str:
        raise OverflowError("Maximum recursion level reached")  # what ujson says where it gives up

    monkeypatch.setattr(action_call_json.ujson, "dumps", refuse)
    ours, rasa = _sent(domain, tracker)
    assert ours == rasa and len(ours["tracker"]["events"]) == 6


def _without_timestamps(state: tuple[Any, ...]) -> tuple[Any, ...]:
    """`_state`, the events' times left out (the form's own two events are made at each call)."""
    sent, applied, *rest = state
    events = [{k: v for k, v in e.items() if k != "timestamp"} for e in sent.pop("events")]
    sent.pop("latest_event_time")
    return (sent, events, [type(e) for e in applied], *rest)


def test_a_forms_tracker_is_rasas_after_every_event(domain: Domain) -> None:
    from rasa.core.actions.forms import FormAction

    form = FormAction("closure_form", None)
    added = [SlotSet("closure_confirmed", True), BotUttered("好的")]
    tracker = DialogueStateTracker("form_tracker", domain.slots)
    tracker.model_id = "a-model"
    events = _conversation()
    events[12:12] = [FollowupAction("utter_greet"), BotUttered("好的")]
    for n, event in enumerate(events):
        tracker.update(event)
        ours, rasa = _both_ways(lambda: form._temporary_tracker(tracker, list(added), domain))
        assert _without_timestamps(_state(ours)) == _without_timestamps(_state(rasa)), f"after event {n}: {event}"
        if tracker.followup_action:  # the processor clears it without an event
            tracker.clear_followup_action()
            ours, rasa = _both_ways(lambda: form._temporary_tracker(tracker, list(added), domain))
            assert _without_timestamps(_state(ours)) == _without_timestamps(_state(rasa)), f"cleared after {n}"


def test_a_tracker_copy_copies_each_slot_as_copy_copy_would(domain: Domain) -> None:
    tracker = DialogueStateTracker("slots", domain.slots)
    kinds = set()
    for name, slot in tracker.slots.items():
        copied, rasas = turn_cost._shallow_copy(slot), copy.copy(slot)
        assert type(copied) is type(rasas) and copied is not slot
        assert copied.__dict__.keys() == rasas.__dict__.keys()
        assert all(copied.__dict__[key] is value for key, value in rasas.__dict__.items()), name
        copied.value = "changed"
        assert slot.value != "changed"
        kinds.add(type(slot).__name__)
    assert {"ListSlot", "TextSlot", "BooleanSlot"} <= kinds  # every kind the domain has takes the short way
    kinds_of_slot: list[Any] = [type(slot) for slot in tracker.slots.values()]
    assert all(turn_cost._copies_only_its_dict(kind) for kind in kinds_of_slot)


def test_values_with_their_own_copying_are_copied_their_own_way() -> None:
    class OwnCopy:
        def __copy__(self) -> str:
            return "own"

    class OwnState:
        def __init__(self) -> None:
            self.value = 1

        def __setstate__(self, state: dict[str, Any]) -> None:
            self.__dict__.update(state, restored=True)

    class Slotted:
        __slots__ = ("value",)

        def __init__(self) -> None:
            self.value = 0

    assert turn_cost._shallow_copy(OwnCopy()) == "own"
    assert turn_cost._shallow_copy(OwnState()).__dict__ == {"value": 1, "restored": True}
    slotted = Slotted()
    slotted.value = 2
    assert turn_cost._shallow_copy(slotted).value == 2
    listed = [1, 2]
    assert turn_cost._shallow_copy(listed) == listed and turn_cost._shallow_copy(listed) is not listed


def test_checkpoints_share_the_slots_no_message_changed(domain: Domain) -> None:
    """Each user message leaves a checkpoint; copying all its slots each time was most of what a full GC walked."""
    cache = turn_cost.HistoryCache()
    cache.states(domain, DialogueStateTracker.from_events("shared", _conversation()[:13], domain.slots))
    (history,) = cache.entries.values()
    first, second = (cp.replay.slots for cp in history.checkpoints[:2])  # before 借呗能注销吗 and before 嗯
    changed = {"product", "closure_ready", "requested_slot"}  # set in between (closure_form is a loop here)
    assert {name for name in first if first[name] is not second[name]} == changed
    assert second["product"].value == ["jiebei"] and first["product"].value is None


def test_a_started_server_freezes_what_is_alive_and_collects_less_often() -> None:
    """In a process of its own: the test process keeps Python's own garbage collection."""
    probe = (
        "import gc; from channels import turn_cost; keep = [{} for _ in range(1000)]; "
        "turn_cost.settle_collection(); print(gc.get_freeze_count(), *gc.get_threshold())"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    frozen, *thresholds = (int(n) for n in out.stdout.split())
    assert frozen > 1000 and tuple(thresholds) == turn_cost.GC_THRESHOLDS != (700, 10, 10)
