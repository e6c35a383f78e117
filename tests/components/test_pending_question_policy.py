"""PendingQuestionPolicy as Rasa runs it: reads the journey_question slot and the journey steps so far."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import REPO_ROOT
from components.pending_question_policy import PendingQuestionPolicy

DOMAIN = Domain.from_yaml(
    """
intents: [inform, ask_credit_impact, pause_credit]
slots:
  journey_question:
    type: any
    mappings: [{type: custom}]
actions: [action_check_pause, action_explain_credit_impact, action_return_to_question, action_check_closure]
forms:
  closure_form:
    required_slots: []
"""
)
WAITING = {"question": "utter_ask_pause_duration", "reasks": 0, "reply": {"params": {}, "buttons": []}}


@pytest.fixture
def policy(tmp_path: Path) -> PendingQuestionPolicy:
    context = ExecutionContext(GraphSchema({}), "test")
    return PendingQuestionPolicy.create(
        PendingQuestionPolicy.get_default_config(), LocalModelStorage(tmp_path), Resource("p"), context
    )


def asked_then(*events: Event) -> DialogueStateTracker:
    start: list[Event] = [
        ActionExecuted("action_listen"),
        UserUttered("花呗想暂停", {"name": "pause_credit", "confidence": 1.0}),
        ActionExecuted("action_check_pause"),
        SlotSet("journey_question", WAITING),
        ActionExecuted("action_listen"),
        UserUttered("暂停影响征信吗", {"name": "ask_credit_impact", "confidence": 1.0}),
    ]
    return DialogueStateTracker.from_events("someone", [*start, *events])


def predicted(policy: PendingQuestionPolicy, t: DialogueStateTracker) -> str | None:
    probabilities = policy.predict_action_probabilities(t, DOMAIN).probabilities
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    return DOMAIN.action_names_or_texts[best] if probabilities[best] > 0 else None


def test_the_waiting_question_is_asked_again_after_the_side_answer(policy: PendingQuestionPolicy) -> None:
    assert predicted(policy, asked_then(ActionExecuted("action_explain_credit_impact"))) == "action_return_to_question"


def test_the_answer_after_it_goes_back_to_the_journey(policy: PendingQuestionPolicy) -> None:
    t = asked_then(
        ActionExecuted("action_explain_credit_impact"),
        ActionExecuted("action_return_to_question"),
        ActionExecuted("action_listen"),
        UserUttered("那就三个月吧", {"name": "inform", "confidence": 1.0}),
    )
    assert predicted(policy, t) == "action_check_pause"


def test_a_new_journey_ends_the_wait(policy: PendingQuestionPolicy) -> None:
    t = asked_then(ActionExecuted("action_check_closure"), ActionExecuted("action_explain_credit_impact"))
    assert predicted(policy, t) is None


def test_inside_a_form_it_abstains(policy: PendingQuestionPolicy) -> None:
    t = asked_then(ActiveLoop("closure_form"), ActionExecuted("action_explain_credit_impact"))
    assert predicted(policy, t) is None


def test_it_outranks_the_rules_but_not_the_fraud_policy() -> None:
    import yaml

    policies = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))["policies"]
    names = [p["name"] for p in policies]
    mine = names.index("components.pending_question_policy.PendingQuestionPolicy")
    assert names.index("components.must_not_decide_policy.MustNotDecidePolicy") < mine < names.index("RulePolicy")
