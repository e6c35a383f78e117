"""AnswerRules as Rasa builds it: a rule-read answer overrides the classifier (even its fallback), ranking kept."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.config import REPO_ROOT
from components.answer_rules import AnswerRules


def classified(text: str, *ranking: tuple[str, float]) -> Message:
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message({TEXT: text, INTENT: ranked[0], INTENT_RANKING_KEY: ranked})


def component(tmp_path: Path) -> AnswerRules:
    return AnswerRules.create({}, LocalModelStorage(tmp_path), Resource("a"), ExecutionContext(GraphSchema({})))


def test_a_typed_button_title_the_classifier_misread_is_affirm(tmp_path: Path) -> None:
    message = classified("提交申请", ("out_of_scope", 0.99), ("cancel_request", 0.01))
    component(tmp_path).process([message])
    assert message.get(INTENT) == {"name": "affirm", "confidence": 1.0}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["affirm", "out_of_scope", "cancel_request"]


def test_a_fallback_verdict_is_overridden_by_a_certain_rule(tmp_path: Path) -> None:
    message = classified("那就帮我办吧", ("nlu_fallback", 0.73), ("unbind_service", 0.73), ("affirm", 0.2))
    component(tmp_path).process([message])
    assert message.get(INTENT)["name"] == "affirm"
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["affirm", "unbind_service"]


def test_other_messages_keep_the_classifiers_reading(tmp_path: Path) -> None:
    message = classified("我要关闭花呗", ("close_account", 0.9), ("out_of_scope", 0.1))
    component(tmp_path).process([message])
    assert message.get(INTENT)["name"] == "close_account"


def test_it_runs_last_so_nothing_overrides_it() -> None:
    pipeline = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    assert pipeline[-1]["name"] == "components.answer_rules.AnswerRules"
