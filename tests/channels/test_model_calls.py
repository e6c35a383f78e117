"""The models' one concrete function called straight (channels/model_calls.py, cut 34) answers as Rasa's call.

A small RasaModel (a variable, a masked product, diagnostic data with an empty part) is called both
ways on batches of several lengths; batches that do not fit the signature, and models run eagerly,
must go through Rasa's call and get its answer or its error. The trained model's DIET,
ResponseSelector and TED are compared both ways by tests/channels/test_model_loading.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import tensorflow as tf
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.models import RasaModel

from channels import model_calls, turn_cost
from tests.channels.cut_switch import assert_put_in_place_and_taken_away


class Tiny(RasaModel):
    """Scores each token of a batch; reports a sum and an empty array as diagnostic data."""

    def __init__(self) -> None:
        super().__init__(random_seed=7)
        self.kernel = tf.Variable(tf.random.stateless_normal((3, 2), seed=(1, 2)))

    def batch_predict(self, batch_in: Any) -> dict[str, Any]:
        tokens, mask = batch_in
        scores = tf.einsum("btf,fk->btk", tokens, self.kernel) * mask
        return {
            "scores": scores,
            DIAGNOSTIC_DATA: {"total": tf.reduce_sum(scores, axis=[1, 2]), "nothing": tf.zeros((0,))},
        }


def batch(length: int, seed: int = 0, dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    tokens = rng.normal(size=(1, length, 3)).astype(dtype)
    mask = (rng.random((1, length, 1)) > 0.2).astype(np.float32)
    return tokens, mask


def rasa_predict() -> model_calls.Predict:
    """Rasa's own `_rasa_predict`, whether or not the cuts are in place in this test process."""
    predict: model_calls.Predict = turn_cost._originals.get("model_predict", RasaModel._rasa_predict)
    assert predict.__module__ == "rasa.utils.tensorflow.models"
    return predict


@pytest.fixture
def model() -> Iterator[Tiny]:
    yield Tiny()


class Counting:
    """Stands for a model's tf.function and counts the calls that reach it."""

    def __init__(self, function: Any) -> None:
        self.function, self.calls = function, 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.function(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.function, name)


def assert_same(mine: dict[str, Any], rasa: dict[str, Any]) -> None:
    assert mine.keys() == rasa.keys()
    np.testing.assert_array_equal(mine["scores"], rasa["scores"])
    assert mine["scores"].dtype == rasa["scores"].dtype
    np.testing.assert_array_equal(mine[DIAGNOSTIC_DATA]["total"], rasa[DIAGNOSTIC_DATA]["total"])
    assert mine[DIAGNOSTIC_DATA]["nothing"] is rasa[DIAGNOSTIC_DATA]["nothing"] is None


def test_answers_are_rasas_and_the_function_is_traced_once(model: Tiny) -> None:
    predict = model_calls.make_predict(rasa_predict())
    for length in (4, 1, 9, 4, 17):
        assert_same(predict(model, batch(length, seed=length)), rasa_predict()(model, batch(length, seed=length)))
    # doubles are converted to the signature's floats, both ways
    assert_same(predict(model, batch(5, dtype=np.float64)), rasa_predict()(model, batch(5, dtype=np.float64)))
    assert model._tf_predict_step is not None
    assert model._tf_predict_step.experimental_get_tracing_count() == 1


def test_after_the_first_call_the_concrete_function_is_called_directly(model: Tiny) -> None:
    predict = model_calls.make_predict(rasa_predict())
    predict(model, batch(3))
    counting = model._tf_predict_step = Counting(model._tf_predict_step)
    for length in (2, 5, 8):
        predict(model, batch(length))
    assert counting.calls == 0


@pytest.mark.parametrize(
    "misfit",
    [
        pytest.param((np.full((1, 3, 3), "a"), np.ones((1, 3, 1), np.float32)), id="strings"),
        pytest.param(batch(3)[:1], id="an array missing"),
        pytest.param((np.ones((1, 3, 4), np.float32), np.ones((1, 3, 1), np.float32)), id="another feature size"),
    ],
)
def test_a_batch_that_does_not_fit_gets_rasas_error(model: Tiny, misfit: tuple[np.ndarray, ...]) -> None:
    predict = model_calls.make_predict(rasa_predict())
    predict(model, batch(3))
    counting = model._tf_predict_step = Counting(model._tf_predict_step)
    with pytest.raises(Exception) as mine:
        predict(model, misfit)
    with pytest.raises(Exception) as rasa:
        rasa_predict()(model, misfit)
    assert (type(mine.value), str(mine.value)) == (type(rasa.value), str(rasa.value))
    assert counting.calls == 2  # both through Rasa's call


def test_a_model_run_eagerly_goes_through_rasas_call(model: Tiny) -> None:
    predict = model_calls.make_predict(rasa_predict())
    predict(model, batch(3))
    model._run_eagerly = True
    eager = predict(model, batch(6, seed=6))
    model._run_eagerly = False
    assert_same(eager, rasa_predict()(model, batch(6, seed=6)))


def test_the_cut_is_put_in_place_and_taken_away() -> None:
    assert_put_in_place_and_taken_away(
        lambda: RasaModel._rasa_predict,
        "channels.model_calls",
        "rasa.utils.tensorflow.models",
    )
