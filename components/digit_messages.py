"""Rasa component: a digits-only message gets its intent by rule (bot/nlu/digits.py).

Place it after DIETClassifier and before FallbackClassifier. The classifier's
ranking is kept below the rule's verdict.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot.nlu.digits import digits_intent
from components.rule_intent import RuleIntentClassifier


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DigitMessages(RuleIntentClassifier):
    """Sets inform (or goodbye for 88/886) on messages made of digits only."""

    rule = staticmethod(digits_intent)
