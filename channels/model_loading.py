"""Load the TensorFlow models without a training step (issue 15, docs/benchmarks.md).

To load DIET, the ResponseSelector or TED, Rasa 3.6 creates the model's weights by running one
training step on a stored example (`RasaModel.load`: `model.fit` on one batch), then overwrites
them with the trained ones. Keras traces that step as a graph (forward pass, gradients, optimizer
update) and the optimizer creates two slots per weight: 160–320 MB per model that a server keeps
for its lifetime and never uses (benchmarks/profile_memory.py: 1,660 → 1,056 MB for this
assistant's three models).

A forward pass on the same example, run eagerly, creates the same weights and nothing else. The
trained weights are then loaded as Rasa loads them (minus the optimizer's state, which a server
never reads) and the prediction graph is traced as before, so predictions are identical:
tests/channels/test_model_loading.py compares them with Rasa's own load, on a small model and on
the trained one.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

_originals: dict[str, Any] = {}


def _load(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """Rasa's `RasaModel.load`, with the weights created by a forward pass instead of a training step."""
    if finetune_mode:  # training goes on: it needs the optimizer's state, so Rasa's own way
        return _originals["load"].__func__(
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
        )
    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    learning_rate = config.get(LEARNING_RATE, 0.001)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate), run_eagerly=config.get(RUN_EAGERLY))
    batch, _ = RasaBatchDataGenerator(model_data_example, batch_size=1)[0]
    model._training = True  # the layers a training step would build, no fewer
    model.batch_loss(batch)
    # The checkpoint also holds the optimizer's state, which stays unread: expected, not an error.
    model.load_weights(model_file_name).expect_partial()
    if predict_data_example:
        model.run_inference(predict_data_example)  # traces the prediction graph now, not on a user's turn
    return model


def install() -> None:
    """Load models this way from now on (once per process)."""
    if not _originals:
        _originals["load"] = RasaModel.__dict__["load"]
        RasaModel.load = classmethod(_load)


def uninstall() -> None:
    """Rasa's own loading again (tests compare both)."""
    if _originals:
        RasaModel.load = _originals.pop("load")
