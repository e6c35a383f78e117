"""Rasa component: short answers and requests for a person get their intent by rule (bot/nlu/answers.py).

Place it last, after FallbackClassifier and JourneyGate: the rule is certain, so
it also overrides an `nlu_fallback` verdict (那就帮我办吧 fell back), and no later
component second-guesses it. The classifier's ranking is kept below the rule's verdict.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.nlu.answers import answer_intent
from components.rule_intent import RuleIntentClassifier


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class AnswerRules(RuleIntentClassifier):
    """Sets affirm, deny, inform (a length alone) or request_human when the rule is certain."""

    rule = staticmethod(answer_intent)
