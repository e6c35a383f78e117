"""The conversation policy: follow-ups, push-back and a second question, decided from Rasa's own tracker."""

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.conversation_context_policy import ConversationContextPolicy

DOMAIN = Domain.from_yaml(
    """
intents: [close_account, reopen_account, affirm, bot_challenge]
actions: [action_check_closure, action_answer_follow_up, action_answer_push_back, action_offer_second_question,
          action_answer_second_question, action_request_human, utter_iamabot]
forms:
  closure_form:
    required_slots: []
"""
)


@pytest.fixture
def policy(tmp_path: Path) -> ConversationContextPolicy:
    context = ExecutionContext(GraphSchema({}), "test")
    return ConversationContextPolicy.create(
        ConversationContextPolicy.get_default_config(), LocalModelStorage(tmp_path), Resource("policy"), context
    )


def said(text: str, intent: str = "close_account") -> list[Event]:
    return [ActionExecuted("action_listen"), UserUttered(text, {"name": intent, "confidence": 0.6})]


CLOSING_ASKED: list[Event] = [*said('/close_account{"product":"jiebei"}'), ActionExecuted("action_check_closure")]


def predicted(policy: ConversationContextPolicy, *events: Any) -> str | None:
    tracker = DialogueStateTracker.from_events("someone", list(events))
    probabilities = policy.predict_action_probabilities(tracker, DOMAIN).probabilities
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    return DOMAIN.action_names_or_texts[best] if probabilities[best] > 0 else None


def test_a_follow_up_is_answered_whatever_the_intent(policy: ConversationContextPolicy) -> None:
    assert predicted(policy, *CLOSING_ASKED, *said("那现在能用了吗", "reopen_account")) == "action_answer_follow_up"
    assert predicted(policy, *CLOSING_ASKED, *said("那花呗呢")) == "action_answer_follow_up"


def test_then_the_turn_ends(policy: ConversationContextPolicy) -> None:
    events = [*CLOSING_ASKED, *said("那花呗呢"), ActionExecuted("action_answer_follow_up")]
    assert predicted(policy, *events) == "action_listen"


def test_push_back_and_the_second_question(policy: ConversationContextPolicy) -> None:
    assert predicted(policy, *CLOSING_ASKED, *said("还是不行", "affirm")) == "action_answer_push_back"
    asked = [*said("你是机器人吗 另外借呗哪天还款", "bot_challenge"), ActionExecuted("utter_iamabot")]
    assert predicted(policy, *asked) == "action_offer_second_question"
    offered = [*asked, ActionExecuted("action_offer_second_question")]
    assert predicted(policy, *offered, *said("好的", "affirm")) == "action_answer_second_question"


def test_silent_for_ordinary_messages_forms_and_fraud(policy: ConversationContextPolicy) -> None:
    assert predicted(policy, *said("借呗能注销吗")) is None
    assert predicted(policy, ActiveLoop("closure_form"), *CLOSING_ASKED, *said("进度呢")) is None
    assert predicted(policy, *CLOSING_ASKED, *said("我没借过 是不是被盗号了 还是不行")) is None


def test_a_turn_it_cannot_read_is_left_to_the_others(
    policy: ConversationContextPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: Any) -> None:
        raise ValueError("unreadable")

    monkeypatch.setattr("components.conversation_context_policy.ev.SessionReader.view", broken)
    assert predicted(policy, *CLOSING_ASKED, *said("那花呗呢")) is None


def test_outranks_the_rule_policy(policy: ConversationContextPolicy) -> None:
    assert policy.priority > 6  # RulePolicy's priority


def test_a_conversation_is_read_on_from_where_the_last_prediction_left_it(policy: ConversationContextPolicy) -> None:
    from components import conversation_context_policy as module

    def action(tracker: DialogueStateTracker) -> str:
        probabilities = policy.predict_action_probabilities(tracker, DOMAIN).probabilities
        return DOMAIN.action_names_or_texts[max(range(len(probabilities)), key=probabilities.__getitem__)]

    events = [*CLOSING_ASKED, ActionExecuted("action_listen"), *said("那花呗呢")[1:]]
    tracker = DialogueStateTracker.from_events("read_on", events[:3])
    action(tracker)
    reader = module._readers["read_on"][1]
    for event in events[3:]:
        tracker.update(event)
    assert action(tracker) == predicted(policy, *events) == "action_answer_follow_up"
    assert module._readers["read_on"][1] is reader and len(reader.events) == len(events)  # each event read once
    # a store read gives the last turn's events back as new objects: the reading goes on from before them
    last_turn = [Event.from_parameters(event.as_dict()) for event in events[3:]]
    assert action(DialogueStateTracker.from_events("read_on", [*events[:3], *last_turn])) == "action_answer_follow_up"
    assert module._readers["read_on"][1] is reader and reader.events[3] is module._as_dict(last_turn[0])
    assert len(reader.events) == len(events)
    copies = [Event.from_parameters(event.as_dict()) for event in events]  # none of the events read
    assert action(DialogueStateTracker.from_events("read_on", copies)) == "action_answer_follow_up"
    assert [e is module._as_dict(c) for e, c in zip(reader.events, copies, strict=True)] == [True] * len(events)


def test_a_reading_rewound_past_a_session_start_is_read_afresh(policy: ConversationContextPolicy) -> None:
    from components import conversation_context_policy as module

    events = [*said("你好", "greet"), ActionExecuted("action_session_start"), SessionStarted(), *CLOSING_ASKED]
    tracker = DialogueStateTracker.from_events("afresh", events)
    policy.predict_action_probabilities(tracker, DOMAIN)
    reader = module._readers["afresh"][1]
    copies = [*events[:2], *(Event.from_parameters(event.as_dict()) for event in events[2:])]
    followed = [*copies, *said("那花呗呢")]
    assert predicted(policy, *events, *said("那花呗呢")) == "action_answer_follow_up"
    probabilities = policy.predict_action_probabilities(DialogueStateTracker.from_events("afresh", followed), DOMAIN)
    assert probabilities.probabilities[DOMAIN.index_for_action("action_answer_follow_up")] == 1.0
    assert module._readers["afresh"][1] is not reader


def test_readings_are_kept_for_a_bounded_number_of_conversations(
    policy: ConversationContextPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    from components import conversation_context_policy as module

    monkeypatch.setattr(module, "MAX_READ_CONVERSATIONS", 2)
    for n in range(4):
        policy.predict_action_probabilities(DialogueStateTracker.from_events(f"bounded_{n}", said("你好")), DOMAIN)
    assert list(module._readers) == ["bounded_2", "bounded_3"]
