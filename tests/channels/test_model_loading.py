"""Loading a model by a forward pass instead of a training step (channels/model_loading.py) gives Rasa's own answers.

A small DIETClassifier is trained here (one epoch, a few messages), persisted, and loaded twice:
by Rasa's own `RasaModel.load` and by the project's. Both must classify every message the same,
and only Rasa's own keeps a traced training step and optimizer state. The slow test does the same
for the trained model's three TensorFlow models (tests/channels/model_parity.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.config import REPO_ROOT
from channels import model_loading
from tests.e2e.conftest import latest_model

EXAMPLES = {
    "close_account": ["借呗 能 注销 吗", "我 要 关闭 花呗", "注销 账户", "怎么 关掉 借呗"],
    "ask_credit_impact": ["关闭 花呗 影响 征信 吗", "会 上 征信 吗", "征信 有 影响 吗", "注销 影响 信用 吗"],
    "greet": ["你好", "在 吗", "您好 在 吗", "你好 呀"],
}
QUESTIONS = ["借呗 注销", "影响 征信 吗", "你好", "关闭 花呗 会 怎样", "在"]


def _pipeline(tmp_path: Path) -> tuple[list[Any], DIETClassifier, Resource, LocalModelStorage, ExecutionContext]:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("cvf"), context
    )
    config = {**DIETClassifier.get_default_config(), "epochs": 1, "random_seed": 1, "entity_recognition": False}
    diet = DIETClassifier.create(config, storage, Resource("diet"), context)
    data = TrainingData(
        [Message.build(text=text, intent=intent) for intent, texts in EXAMPLES.items() for text in texts]
    )
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    resource = diet.train(data)
    return [tokenizer, featurizer], diet, resource, storage, context


def _rankings(featurising: list[Any], classifier: DIETClassifier) -> list[list[tuple[str, float]]]:
    messages = [Message.build(text=text) for text in QUESTIONS]
    for component in featurising:
        component.process(messages)
    classifier.process(messages)
    return [[(r["name"], round(r["confidence"], 6)) for r in m.get("intent_ranking")] for m in messages]


@pytest.fixture
def rasa_loading() -> Iterator[None]:
    model_loading.uninstall()
    yield
    model_loading.install()


def _load(
    diet: DIETClassifier, resource: Resource, storage: LocalModelStorage, context: ExecutionContext
) -> DIETClassifier:
    return DIETClassifier.load(diet.component_config, storage, resource, context)


def test_same_predictions_as_rasas_own_loading_and_no_traced_training_step(tmp_path: Path) -> None:
    featurising, trained, resource, storage, context = _pipeline(tmp_path)
    model_loading.uninstall()
    try:
        theirs = _load(trained, resource, storage, context)
    finally:
        model_loading.install()
    ours = _load(trained, resource, storage, context)

    assert _rankings(featurising, ours) == _rankings(featurising, theirs)
    # What the cut is for: Rasa's own load keeps a traced training step and the optimizer's
    # state (two slots per weight); this one builds the weights without either.
    assert hasattr(theirs.model.train_function, "get_concrete_function")
    assert ours.model.train_function is None
    assert len(theirs.model.optimizer.variables()) > 2 * len(theirs.model.trainable_weights)
    assert len(ours.model.optimizer.variables()) <= 1  # its step counter, if anything


def test_install_is_idempotent_and_uninstall_restores_rasas_load(rasa_loading: None) -> None:
    from rasa.utils.tensorflow.models import RasaModel

    original = RasaModel.__dict__["load"]
    model_loading.install()
    model_loading.install()
    assert RasaModel.__dict__["load"].__func__ is model_loading._load
    model_loading.uninstall()
    assert RasaModel.__dict__["load"] is original


@pytest.mark.slow
def test_the_trained_model_answers_the_same_loaded_either_way(tmp_path: Path) -> None:
    """DIET, the ResponseSelector and TED of the real model: each way in a process of its own.

    The project's way also has the turn-cost cuts, TED's deferral among them: every action's policy
    and confidence must still be Rasa's, TED's wins included.
    """
    model = latest_model()
    outputs = {way: tmp_path / f"{way}.json" for way in ("project", "rasa")}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.channels.model_parity", str(model), way, str(out)], cwd=REPO_ROOT
        )
        for way, out in outputs.items()
    ]
    assert [run.wait(timeout=600) for run in runs] == [0, 0]
    ours, theirs = (json.loads(out.read_text(encoding="utf-8")) for out in outputs.values())
    assert len(ours["parses"]) == 150 and any(policy == "TEDPolicy" for _, policy, _ in ours["actions"])
    assert ours == theirs
