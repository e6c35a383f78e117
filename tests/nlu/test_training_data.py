"""Training data hygiene that `rasa train` would only warn about."""

from __future__ import annotations

import re

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data

from bot.config import REPO_ROOT
from bot.nlu.textnorm import normalise


def test_entity_spans_match_jieba_token_boundaries(tmp_path) -> None:
    """DIET cannot learn an entity that starts or ends inside a jieba token.

    E.g. [花呗]额度 when 花呗额度 is one word.
    """
    tokenizer = JiebaTokenizer.create(
        {**JiebaTokenizer.get_default_config(), "dictionary_path": str(REPO_ROOT / "data" / "jieba")},
        LocalModelStorage(tmp_path),
        Resource("jieba"),
        ExecutionContext(graph_schema=None, model_id="test"),
    )
    data = load_data(str(REPO_ROOT / "data" / "nlu"))
    misaligned = []
    for example in data.entity_examples:
        example.set(TEXT, normalise(example.get(TEXT)))
        tokenizer.process_training_data(type(data)([example]))
        tokens = example.get("text_tokens")
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        for entity in example.get("entities") or []:
            if entity["start"] not in starts or entity["end"] not in ends:
                misaligned.append((example.get(TEXT), entity["value"]))
    assert misaligned == []


def test_goodbye_digit_regex_separates_bye_slang_from_codes() -> None:
    """The count featurizers see any all-digit message as __NUMBER__; only the regex feature tells 88 from a code."""
    data = load_data(str(REPO_ROOT / "data" / "nlu"))
    pattern = next(r["pattern"] for r in data.regex_features if r["name"] == "goodbye_digits")
    by_intent = {
        intent: [normalise(e.get(TEXT)) for e in data.intent_examples if e.get("intent") == intent]
        for intent in ("goodbye", "inform")
    }
    assert {"88", "886"} <= {t for t in by_intent["goodbye"] if re.search(pattern, t)}
    assert [t for t in by_intent["inform"] if re.search(pattern, t)] == []
