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
intents: [out_of_scope, reopen_account, close_account]
actions: [action_request_human, action_check_reopen, action_fraud_handoff, action_handle_complaint,
          action_check_disowned]
forms:
  closure_form:
    required_slots: []
  callback_form:
    required_slots: []
"""
)


@pytest.fixture
def policy(tmp_path: Path) -> MustNotDecidePolicy:
    context = ExecutionContext(GraphSchema({}), "test")
    return MustNotDecidePolicy.create(
        MustNotDecidePolicy.get_default_config(), LocalModelStorage(tmp_path), Resource("policy"), context
    )


def tracker(
    text: str,
    *,
    after_user: bool = True,
    in_form: bool | str = False,
    intent: str = "reopen_account",
    entities: list[dict[str, object]] | None = None,
) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen")]
    if in_form:
        events = [ActiveLoop(in_form if isinstance(in_form, str) else "closure_form"), *events]
    events.append(UserUttered(text, {"name": intent, "confidence": 0.6}, entities or []))
    if not after_user:
        events.append(ActionExecuted("action_check_reopen"))
    return DialogueStateTracker.from_events("someone", events)


def predicted(policy: MustNotDecidePolicy, t: DialogueStateTracker) -> str | None:
    probabilities = policy.predict_action_probabilities(t, DOMAIN).probabilities
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    return DOMAIN.action_names_or_texts[best] if probabilities[best] > 0 else None


def test_fraud_report_goes_to_the_fraud_handoff_whatever_the_intent(policy: MustNotDecidePolicy) -> None:
    assert predicted(policy, tracker("有人盗用我的身份开了借呗")) == "action_fraud_handoff"
    assert predicted(policy, tracker("有人盜用我的身份開了借唄")) == "action_fraud_handoff"  # traditional
    assert predicted(policy, tracker("是不是被盗号了？？？")) == "action_fraud_handoff"


def test_a_dispute_goes_to_a_human(policy: MustNotDecidePolicy) -> None:
    assert predicted(policy, tracker("花呗有一笔交易我不认可")) == HANDOFF_ACTION


def test_a_disowned_closure_is_checked_against_the_account(policy: MustNotDecidePolicy) -> None:
    assert predicted(policy, tracker("我没关过啊", intent="ask_closed_by_platform")) == "action_check_disowned"


def test_anger_with_nothing_named_is_a_complaint_a_request_keeps_its_journey(policy: MustNotDecidePolicy) -> None:
    angry = tracker("你们催收天天打电话骚扰我家人 太过分了", intent="out_of_scope")
    assert predicted(policy, angry) == "action_handle_complaint"
    product = [{"entity": "product", "value": "huabei", "start": 2, "end": 4}]
    request = tracker("关闭花呗 气死了！！！", intent="close_account", entities=product)
    assert predicted(policy, request) is None


def test_ordinary_messages_are_left_to_the_other_policies(policy: MustNotDecidePolicy) -> None:
    assert predicted(policy, tracker("借呗注销了还能再开吗")) is None


def test_only_right_after_the_message_and_disputes_and_complaints_outside_forms(policy: MustNotDecidePolicy) -> None:
    assert predicted(policy, tracker("有人盗用我的身份", after_user=False)) is None
    assert predicted(policy, tracker("花呗有一笔交易我不认可", in_form=True)) is None
    assert predicted(policy, tracker("太过分了", in_form=True, intent="out_of_scope")) is None


def test_a_theft_report_stops_a_step_but_is_the_message_in_the_callback_form(policy: MustNotDecidePolicy) -> None:
    assert predicted(policy, tracker("不是我本人操作的", in_form=True, intent="deny")) == "action_fraud_handoff"
    assert predicted(policy, tracker("我的号被盗了 请回电", in_form="callback_form")) is None


def test_button_payloads_are_the_customers_choice(policy: MustNotDecidePolicy) -> None:
    assert predicted(policy, tracker("/request_human", intent="request_human")) is None


def test_outranks_the_rule_policy(policy: MustNotDecidePolicy) -> None:
    assert policy.priority > 6  # RulePolicy's priority


def test_inside_a_form_the_theft_report_outranks_the_forms_own_prediction(policy: MustNotDecidePolicy) -> None:
    # RulePolicy predicts the active form as a "no user" prediction, which beats any that reads the message.
    inside = policy.predict_action_probabilities(tracker("不是我本人操作的", in_form=True, intent="deny"), DOMAIN)
    outside = policy.predict_action_probabilities(tracker("不是我本人操作的"), DOMAIN)
    assert inside.is_no_user_prediction and not outside.is_no_user_prediction
