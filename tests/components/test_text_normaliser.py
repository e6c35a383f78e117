"""TextNormaliser as Rasa builds and runs it, and where the recipe puts it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.data import TrainingType
from rasa.shared.nlu.constants import TEXT, TEXT_TOKENS
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.text_normaliser import TextNormaliser


@pytest.fixture()
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


@pytest.fixture()
def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test-model")


@pytest.fixture()
def normaliser(storage: LocalModelStorage, context: ExecutionContext) -> TextNormaliser:
    # The recipe builds non-trainable process nodes with `load`, which falls back to `create`.
    return TextNormaliser.load({}, storage, Resource("normaliser"), context)


def test_process_replaces_text_keeping_length(normaliser: TextNormaliser) -> None:
    message = Message({TEXT: "借唄能註銷嗎？ＨＢ"})
    normaliser.process([message])
    assert message.get(TEXT) == "借呗能注销吗?hb"


def test_intent_shortcut_messages_are_left_alone(normaliser: TextNormaliser) -> None:
    message = Message({TEXT: '/inform{"product":"HB"}'})
    normaliser.process([message])
    assert message.get(TEXT) == '/inform{"product":"HB"}'


def test_training_data_text_and_copied_entity_values(normaliser: TextNormaliser) -> None:
    plain = {"entity": "product", "start": 0, "end": 2, "value": "借唄"}
    synonym = {"entity": "product", "start": 3, "end": 5, "value": "huabei"}
    example = Message({TEXT: "借唄和花唄能註銷嗎", "intent": "close_account", "entities": [plain, synonym]})
    data = TrainingData([example])
    assert normaliser.process_training_data(data) is data
    assert example.get(TEXT) == "借呗和花呗能注销吗"
    assert plain["value"] == "借呗"  # copied from the text: follows it
    assert synonym["value"] == "huabei"  # explicit synonym: untouched


def test_tokenizer_after_it_sees_normalised_text(
    normaliser: TextNormaliser, storage: LocalModelStorage, context: ExecutionContext
) -> None:
    tokenizer = JiebaTokenizer.create(JiebaTokenizer.get_default_config(), storage, Resource("jieba"), context)
    data = TrainingData([Message({TEXT: "借唄能註銷嗎", "intent": "close_account"})])
    tokenizer.process_training_data(normaliser.process_training_data(data))
    tokens = [t.text for t in data.training_examples[0].get(TEXT_TOKENS)]
    assert "".join(tokens) == "借呗能注销吗"


def test_recipe_runs_it_before_the_tokenizer_in_train_and_predict() -> None:
    name = "components.text_normaliser.TextNormaliser"
    config = {
        "language": "zh",
        "pipeline": [
            {"name": name},
            {"name": "JiebaTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "DIETClassifier", "epochs": 1},
        ],
    }
    graphs = DefaultV1Recipe().graph_config_for_recipe(config, {}, TrainingType.NLU)
    train = graphs.train_schema.nodes
    predict = graphs.predict_schema.nodes
    node = f"run_{name}0"  # the recipe names nodes after the config's `name`
    assert train[node].fn == "process_training_data"
    assert train[node].needs == {"training_data": "nlu_training_data_provider"}
    assert train["train_JiebaTokenizer1"].needs["training_data"] == node
    assert train["run_JiebaTokenizer1"].needs["training_data"] == node
    assert predict[node].needs == {"messages": "nlu_message_converter"}
    assert predict["run_JiebaTokenizer1"].needs["messages"] == node


def test_fingerprint_addon_is_stable() -> None:
    assert TextNormaliser.fingerprint_addon({}) == TextNormaliser.fingerprint_addon({})
