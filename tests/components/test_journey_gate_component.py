"""JourneyGate as Rasa builds it: an unclear change journey becomes nlu_fallback, ranking kept."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.journey_gate import JourneyGate


def gate(tmp_path: Path) -> JourneyGate:
    config = {**JourneyGate.get_default_config()}
    return JourneyGate.create(config, LocalModelStorage(tmp_path), Resource("gate"), ExecutionContext(GraphSchema({})))


def parsed(*ranking: tuple[str, float]) -> Message:
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message({TEXT: "自动还款扣哪里的钱", INTENT: ranked[0], INTENT_RANKING_KEY: ranked})


def test_an_unclear_journey_becomes_fallback_with_its_readings_kept(tmp_path: Path) -> None:
    message = parsed(("unbind_service", 0.6), ("out_of_scope", 0.3))
    gate(tmp_path).process([message])
    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["nlu_fallback", "unbind_service", "out_of_scope"]
    assert message.as_dict_nlu()[INTENT]["name"] == "nlu_fallback"


def test_a_clear_journey_and_any_question_pass(tmp_path: Path) -> None:
    clear = parsed(("close_account", 0.97), ("out_of_scope", 0.01))
    question = parsed(("ask_credit_impact", 0.5), ("close_account", 0.45))
    gate(tmp_path).process([clear, question])
    assert clear.get(INTENT)["name"] == "close_account"
    assert question.get(INTENT)["name"] == "ask_credit_impact"


def test_the_recipe_accepts_it_after_the_fallback_classifier() -> None:
    from bot.config import REPO_ROOT

    pipeline = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    names = [c["name"] for c in pipeline]
    assert names.index("components.journey_gate.JourneyGate") == names.index("FallbackClassifier") + 1


def test_a_message_the_fallback_classifier_already_held_is_left_as_it_is(tmp_path: Path) -> None:
    message = parsed(("nlu_fallback", 0.5), ("close_account", 0.4), ("out_of_scope", 0.35))
    gate(tmp_path).process([message])
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["nlu_fallback", "close_account", "out_of_scope"]
