"""Rasa component: short answers and requests for a person get their intent by rule (bot/nlu/answers.py).

Place it last, after FallbackClassifier and JourneyGate: the rule is certain, so
it also overrides an `nlu_fallback` verdict (那就帮我办吧 fell back), and no later
component second-guesses it. The classifier's ranking is kept below the rule's verdict.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.answers import answer_intent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class AnswerRules(GraphComponent, IntentClassifier):
    """Sets affirm, deny, inform (a length alone) or request_human when the rule is certain."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AnswerRules:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = answer_intent(str(message.get(TEXT) or ""))
            if intent is None:
                continue
            verdict = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            others = [
                r
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get(INTENT_NAME_KEY) not in (intent, "nlu_fallback")
            ]
            message.set(INTENT, verdict, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [verdict, *others], add_to_output=True)
        return messages
