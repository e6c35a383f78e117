"""The shared frame of the NLU components that set an intent by rule when the rule is certain.

DigitMessages (digits only) and AnswerRules (short answers, asking for a person) differ
only in the rule they apply (`bot/nlu/`). The rule's verdict goes on top with confidence
1.0; the classifier's ranking stays below it, without the rule's intent and without an
`nlu_fallback` verdict the rule overrides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

FALLBACK_INTENT = "nlu_fallback"


class RuleIntentClassifier(GraphComponent, IntentClassifier):
    """Sets the intent `rule` returns for a message's text; leaves the message alone on None."""

    rule: Callable[[str], str | None]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RuleIntentClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = type(self).rule(str(message.get(TEXT) or ""))
            if intent is not None:
                _set_verdict(message, intent)
        return messages


def _set_verdict(message: Message, intent: str) -> None:
    verdict = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
    others = [
        r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) not in (intent, FALLBACK_INTENT)
    ]
    message.set(INTENT, verdict, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [verdict, *others], add_to_output=True)
