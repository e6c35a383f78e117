"""Rasa component that applies the product/service catalog and duration rules to entities.

Place it after DIETClassifier and before EntitySynonymMapper. The merging
rules live in `bot.nlu.rules`; this class only trains, persists and runs the
spaCy rule pipeline that finds the spans.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import spacy
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language
from spacy.pipeline import SpanRuler

from bot.core import catalog as bot_catalog
from bot.nlu import durations, textnorm
from bot.nlu import rules as nlu_rules
from bot.nlu.rules import MergeContext, RuleMatch
from bot.nlu.textnorm import normalise

logger = logging.getLogger(__name__)

SPANS_KEY = "rules"
SPACY_DIR = "spacy_rules"
INDEX_FILE = "alias_index.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class RuleEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Canonicalises product/service entities, adds missed ones, turns durations into days."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"catalog_dir": "data/catalog"}

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when the catalog or the rule code changes.

        Rasa fingerprints this class's source and its inputs (the training
        data), not files it reads itself or the `bot` modules it calls.
        """
        catalog_dir = Path(config.get("catalog_dir", "data/catalog"))
        try:
            catalog = nlu_rules.catalog_fingerprint(catalog_dir)
        except OSError:
            return None  # train() reports the missing catalog
        return catalog + nlu_rules.code_fingerprint([nlu_rules, durations, textnorm, bot_catalog])

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        nlp: Language | None = None,
        index: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._nlp = nlp
        self._index = index or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RuleEntityExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Build the rule pipeline from the catalog and store it inside the model.

        The training data is not used; the catalog is read from `catalog_dir`
        now, so the trained model does not need the catalog files at runtime.
        """
        catalog = nlu_rules.load_alias_catalog(Path(self._config["catalog_dir"]))
        self._index = nlu_rules.alias_index(catalog)
        self._nlp = build_pipeline(nlu_rules.ruler_patterns(catalog))
        with self._model_storage.write_to(self._resource) as directory:
            self._nlp.to_disk(directory / SPACY_DIR)
            index_json = json.dumps(self._index, ensure_ascii=False, sort_keys=True)
            (directory / INDEX_FILE).write_text(index_json, encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RuleEntityExtractor:
        try:
            with model_storage.read_from(resource) as directory:
                nlp = spacy.load(directory / SPACY_DIR)
                raw = json.loads((directory / INDEX_FILE).read_text(encoding="utf-8"))
        except (ValueError, OSError):
            logger.warning("%s has no trained rules; it will not change entities.", cls.__name__)
            return cls(config, model_storage, resource)
        index = {alias: (label, value) for alias, (label, value) in raw.items()}
        return cls(config, model_storage, resource, nlp, index)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._nlp is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            # "/intent{...}" messages get their entities from RegexMessageHandler.
            if isinstance(text, str) and text and not text.startswith(INTENT_MESSAGE_PREFIX):
                message.set(ENTITIES, self._entities(message, text), add_to_output=True)
        return messages

    def _entities(self, message: Message, text: str) -> list[dict[str, Any]]:
        """Run the rules on the normalised text and merge with what DIET found.

        Normalising again is cheap and keeps the rules working even if
        TextNormaliser is missing from the pipeline (same length, same offsets).
        """
        assert self._nlp is not None
        normalised = normalise(text)
        matches = rule_matches(self._nlp, normalised)
        ctx = MergeContext.build(normalised, self._index, self.name)
        selected = nlu_rules.select_matches(matches, normalised)
        return nlu_rules.merge_entities(message.get(ENTITIES) or [], selected, ctx)


def rule_matches(nlp: Language, normalised: str) -> list[RuleMatch]:
    """The spans the rule pipeline finds in normalised text (overlong numeral runs masked first)."""
    doc = nlp(nlu_rules.rule_text(normalised))
    return [RuleMatch(span.label_, span.id_, span.start_char, span.end_char) for span in doc.spans[SPANS_KEY]]


def build_pipeline(patterns: list[dict[str, Any]]) -> Language:
    """A blank Chinese spaCy pipeline with a span ruler holding the patterns.

    The "char" segmenter makes every character a token, so a phrase pattern
    matches any substring of the text, whatever jieba or DIET would make of
    the word boundaries (花被怎么 is one jieba word; 花被 still matches).

    A `span_ruler` rather than an `entity_ruler`: it takes the same patterns
    but keeps overlapping matches (doc.ents cannot overlap), so 花呗 inside
    the service alias 收钱码收花呗 is still reported; `bot.nlu.rules` then
    decides which overlaps stand.
    """
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": SPANS_KEY, "annotate_ents": False, "validate": True})
    assert isinstance(ruler, SpanRuler)
    ruler.add_patterns(patterns)
    return nlp
