"""Rasa component that normalises message text before anything else reads it.

Registered as a MESSAGE_TOKENIZER so the default recipe places it in the
chain of `process_training_data` / `process` nodes in pipeline order: put it
first and every later component (JiebaTokenizer included) receives the
normalised text, at training and at inference time alike. It is not a
`Tokenizer` subclass, so Rasa's "only one tokenizer" check does not count it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.catalog import load_catalog
from bot.nlu import homophones, textnorm
from bot.nlu.homophones import fold_homophones
from bot.nlu.rules import code_fingerprint
from bot.nlu.textnorm import normalise, quiet_noise


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class TextNormaliser(GraphComponent):
    """Replaces TEXT with `bot.nlu.textnorm.normalise(TEXT)` (same length, so offsets hold)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormaliser:
        return cls()

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when the normalisation changes.

        Rasa fingerprints only this class's source, not `bot.nlu.textnorm` or the
        OpenCC table it reads; without this, a changed table would reuse
        cached downstream models trained on differently normalised text.
        """
        table = hashlib.sha256(textnorm.opencc_ts_characters().encode()).hexdigest()
        return code_fingerprint([textnorm, homophones]) + table + "".join(product_names())

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            normalise_message(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            normalise_message(message)
        return messages


@lru_cache(maxsize=1)
def product_names() -> tuple[str, ...]:
    """The catalog's product names, whose pinyin typos are folded onto them (bot.nlu.homophones)."""
    return tuple(p.display_name for p in load_catalog().products)


def normalise_message(message: Message) -> None:
    """Normalise one message's TEXT in place, and entity values that copy the text.

    An annotation like [借唄](product) stores the value "借唄"; left alone,
    EntitySynonymMapper would learn the normalised span 借呗 as a synonym of
    借唄. Messages starting with "/" are left for RegexMessageHandler, which
    must see intent and entity names exactly as written.
    """
    text = message.get(TEXT)
    if not isinstance(text, str) or text.startswith(INTENT_MESSAGE_PREFIX):
        return
    normalised = fold_homophones(quiet_noise(normalise(text)), product_names())
    if normalised == text:
        return
    for entity in message.get(ENTITIES) or []:
        span = slice(entity.get("start"), entity.get("end"))
        if entity.get("value") == text[span]:
            entity["value"] = normalised[span]
    message.set(TEXT, normalised)
