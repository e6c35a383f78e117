"""The fraud/dispute handoff policy decides from the text, right after the user spoke."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.must_not_decide_policy import HANDOFF_ACTION, MustNotDecidePolicy

DOMAIN = Domain.from_yaml(
    """
intents: [out_of_scope, reopen_account]
actions: [action_request_human, action_check_reopen]
forms:
  closure_form:
    required_slots: []
"""
)


@pytest.fixture
def policy(tmp_path: Path) -> MustNotDecidePolicy:
    context = ExecutionContext(GraphSchema({}), "test")
    return MustNotDecidePolicy.create(
        MustNotDecidePolicy.get_default_config(), LocalModelStorage(tmp_path), Resource("policy"), context
    )


def tracker(text: str, *, after_user: bool = True, in_form: bool = False) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen")]
    if in_form:
        events = [ActiveLoop("closure_form"), *events]
    events.append(UserUttered(text, {"name": "reopen_account", "confidence": 0.6}))
    if not after_user:
        events.append(ActionExecuted("action_check_reopen"))
    return DialogueStateTracker.from_events("someone", events)


def predicted(policy: MustNotDecidePolicy, t: DialogueStateTracker) -> str | None:
    probabilities = policy.predict_action_probabilities(t, DOMAIN).probabilities
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    return DOMAIN.action_names_or_texts[best] if probabilities[best] > 0 else None


def test_fraud_report_goes_to_a_human_whatever_the_intent(policy: MustNotDecidePolicy) -> None:
    assert predicted(policy, tracker("有人盗用我的身份开了借呗")) == HANDOFF_ACTION
    assert predicted(policy, tracker("有人盜用我的身份開了借唄")) == HANDOFF_ACTION  # traditional


def test_ordinary_messages_are_left_to_the_other_policies(policy: MustNotDecidePolicy) -> None:
    assert predicted(policy, tracker("借呗注销了还能再开吗")) is None


def test_only_right_after_the_message_and_outside_forms(policy: MustNotDecidePolicy) -> None:
    assert predicted(policy, tracker("有人盗用我的身份", after_user=False)) is None
    assert predicted(policy, tracker("有人盗用我的身份", in_form=True)) is None


def test_outranks_the_rule_policy(policy: MustNotDecidePolicy) -> None:
    assert policy.priority > 6  # RulePolicy's priority
