"""Which of the project's three tracker-reading policies wins when two are equally sure (config.yml's policies).

MustNotDecidePolicy 9 > ConversationContextPolicy 8 > PendingQuestionPolicy 7 > RulePolicy 6: distinct
priorities, so Rasa's ensemble never falls back on the order in config.yml. Each conflict below runs all three
policies on the same tracker and lets Rasa's own ensemble pick.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.conversation_context_policy import ConversationContextPolicy
from components.must_not_decide_policy import MustNotDecidePolicy
from components.pending_question_policy import PendingQuestionPolicy

POLICIES = (MustNotDecidePolicy, ConversationContextPolicy, PendingQuestionPolicy)
DOMAIN = Domain.from_yaml(
    """
intents: [pause_credit, ask_credit_impact, inform, nlu_fallback]
slots:
  journey_question:
    type: any
    mappings: [{type: custom}]
actions: [action_check_pause, action_explain_credit_impact, action_return_to_question, action_fraud_handoff,
          action_offer_second_question, action_answer_follow_up, action_answer_push_back,
          action_answer_second_question, action_request_human, action_handle_complaint, action_check_disowned]
"""
)
WAITING = {"question": "utter_ask_pause_duration", "reasks": 0, "reply": {"params": {}, "buttons": []}}


def test_the_priorities_are_distinct_and_in_this_order() -> None:
    assert [p.PRIORITY for p in POLICIES] == [9, 8, 7]


def user(text: str, intent: str) -> list[Event]:
    return [ActionExecuted("action_listen"), UserUttered(text, {"name": intent, "confidence": 1.0})]


# The pause length was asked, a side question answered and the length asked again.
ASKED_AGAIN: list[Event] = [
    *user("花呗想暂停", "pause_credit"),
    ActionExecuted("action_check_pause"),
    SlotSet("journey_question", WAITING),
    *user("暂停影响征信吗", "ask_credit_impact"),
    ActionExecuted("action_explain_credit_impact"),
    ActionExecuted("action_return_to_question"),
]


@pytest.fixture
def policies(tmp_path: Path) -> list[Any]:
    context = ExecutionContext(GraphSchema({}), "test")
    return [
        p.create(p.get_default_config(), LocalModelStorage(tmp_path), Resource(p.__name__), context) for p in POLICIES
    ]


def decided(policies: list[Any], events: list[Event]) -> tuple[list[str | None], str]:
    """What each policy predicts on its own, and what Rasa's ensemble picks."""
    tracker = DialogueStateTracker.from_events("someone", events, slots=DOMAIN.slots)
    predictions = [p.predict_action_probabilities(tracker, DOMAIN) for p in policies]
    each = [_best(p.probabilities) for p in predictions]
    combined = DefaultPolicyPredictionEnsemble().combine_predictions(predictions, tracker, DOMAIN)
    return each, str(_best(combined.probabilities))


def _best(probabilities: list[float]) -> str | None:
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    return DOMAIN.action_names_or_texts[best] if probabilities[best] > 0 else None


def test_a_theft_report_as_the_answer_to_a_waiting_question_goes_to_the_fraud_handoff(policies: list[Any]) -> None:
    each, winner = decided(policies, [*ASKED_AGAIN, *user("不是我本人操作的", "nlu_fallback")])
    assert each == ["action_fraud_handoff", None, "action_check_pause"]  # both sure: a conflict
    assert winner == "action_fraud_handoff"


def test_a_second_question_in_a_side_question_is_offered_before_the_waiting_question(policies: list[Any]) -> None:
    events = [
        *ASKED_AGAIN,
        *user("关了影响征信吗 借呗这个月还多少", "ask_credit_impact"),
        ActionExecuted("action_explain_credit_impact"),
    ]
    each, winner = decided(policies, events)
    assert each == [None, "action_offer_second_question", "action_return_to_question"]
    assert winner == "action_offer_second_question"


def test_after_the_offer_the_waiting_question_still_takes_its_answer(policies: list[Any]) -> None:
    events = [
        *ASKED_AGAIN,
        *user("关了影响征信吗 借呗这个月还多少", "ask_credit_impact"),
        ActionExecuted("action_explain_credit_impact"),
        ActionExecuted("action_offer_second_question"),
        *user("三个月", "inform"),
    ]
    each, winner = decided(policies, events)
    assert winner == "action_check_pause" and each[2] == "action_check_pause"
