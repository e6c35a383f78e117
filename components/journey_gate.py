"""Rasa component: a change-journey intent that did not win clearly becomes `nlu_fallback`.

Place it after FallbackClassifier. The rule itself (which intents, how clear a win
must be) is bot.nlu.journey_gate; like FallbackClassifier, this keeps the original
ranking under the `nlu_fallback` verdict so action_handle_fallback can offer the
readings back as buttons.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.journey_gate import GateSettings, holds, ranking_of


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class JourneyGate(GraphComponent, IntentClassifier):
    """Turns an unclear change-journey prediction into `nlu_fallback`, ranking kept."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        defaults = GateSettings()
        return {"min_confidence": defaults.min_confidence, "min_margin": defaults.min_margin}

    def __init__(self, config: dict[str, Any]) -> None:
        self.settings = GateSettings(min_confidence=config["min_confidence"], min_margin=config["min_margin"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> JourneyGate:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue  # FallbackClassifier already decided: nothing to hold
            ranking = ranking_of(message.get(INTENT_RANKING_KEY))
            if holds(ranking, self.settings):
                verdict = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: ranking[0][1]}
                message.set(INTENT, verdict, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [verdict, *message.get(INTENT_RANKING_KEY)], add_to_output=True)
        return messages
