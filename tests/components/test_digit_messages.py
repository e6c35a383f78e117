"""DigitMessages as Rasa builds it: a digits-only message gets the rule's intent, the ranking kept below it."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.digit_messages import DigitMessages


def classified(text: str, *ranking: tuple[str, float]) -> Message:
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message({TEXT: text, INTENT: ranked[0], INTENT_RANKING_KEY: ranked})


def component(tmp_path: Path) -> DigitMessages:
    return DigitMessages.create({}, LocalModelStorage(tmp_path), Resource("d"), ExecutionContext(GraphSchema({})))


def test_a_phone_number_the_classifier_took_for_goodbye_is_inform(tmp_path: Path) -> None:
    message = classified("138 1234 5678", ("goodbye", 0.7), ("inform", 0.23))
    component(tmp_path).process([message])
    assert message.get(INTENT) == {"name": "inform", "confidence": 1.0}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["inform", "goodbye"]


def test_words_keep_the_classifiers_reading(tmp_path: Path) -> None:
    message = classified("我要关闭花呗", ("close_account", 0.9), ("out_of_scope", 0.1))
    component(tmp_path).process([message])
    assert message.get(INTENT)["name"] == "close_account"


def test_it_runs_before_the_fallback_classifier() -> None:
    from bot.config import REPO_ROOT

    pipeline = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    names = [c["name"] for c in pipeline]
    assert names.index("DIETClassifier") < names.index("components.digit_messages.DigitMessages")
    assert names.index("components.digit_messages.DigitMessages") < names.index("FallbackClassifier")
