"""The TensorFlow models of DIET, the ResponseSelector and TED called straight (issue 15, cut 34).

Every message runs DIET and the ResponseSelector (and TED when its answer could win) through
`RasaModel._rasa_predict`, which calls a `tf.function` made with a fixed input signature. Each
call of that function converts the inputs, checks them against the signature, builds a type for
them and looks it up in a cache to find the one concrete function the signature allows, inside a
profiler trace: about as much Python as the model's own computation, some 6 % of a Rasa process's
CPU under `make load` (docs/benchmarks.md).

With an input signature there is exactly one concrete function, so once Rasa's own call has
traced it, `make_predict` keeps it and calls it as the `tf.function` itself does once the lookup
is done (`ConcreteFunction._call_flat` with its captured inputs), after the same conversion and
the same check. Inputs that do not fit the signature go to Rasa's call, which raises its error;
so do models run eagerly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import tensorflow as tf
from keras.utils import tf_utils  # what RasaModel uses to turn the outputs into numpy
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.models import RasaModel
from tensorflow.python.framework import ops

Predict = Callable[[RasaModel, tuple[Any, ...]], dict[str, Any]]

_KEPT = "_turn_cost_concrete_predict"  # where a model keeps its concrete function and input specs


def make_predict(rasa_predict: Predict) -> Predict:
    """`RasaModel._rasa_predict` calling the one concrete function directly once Rasa has traced it."""

    def _rasa_predict(self: RasaModel, batch_in: tuple[Any, ...]) -> dict[str, Any]:
        kept = self.__dict__.get(_KEPT)
        tensors = _fitting(kept[1], batch_in) if kept is not None and not self._run_eagerly else None
        if kept is None or tensors is None:
            answer = rasa_predict(self, batch_in)
            _keep(self)
            return answer
        concrete = kept[0]
        outputs: dict[str, Any] = tf_utils.sync_to_numpy_or_python_type(
            concrete._call_flat(tensors, captured_inputs=concrete.captured_inputs)
        )
        if DIAGNOSTIC_DATA in outputs:
            outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
        return outputs

    return _rasa_predict


def _keep(model: RasaModel) -> None:
    """Keep the model's concrete function once Rasa's call has made it (a function with a signature)."""
    function = model._tf_predict_step
    if _KEPT in model.__dict__ or model._run_eagerly or function is None:
        return
    signature = function.input_signature
    if signature is None or len(signature) != 1:
        return
    model.__dict__[_KEPT] = (function.get_concrete_function(), tuple(signature[0]))


def _fitting(specs: Sequence[tf.TensorSpec], batch_in: tuple[Any, ...]) -> list[Any] | None:
    """The batch as tensors, converted as the tf.function converts them; None when it does not fit."""
    if not isinstance(batch_in, (tuple, list)) or len(batch_in) != len(specs):
        return None
    try:
        tensors = [
            value if isinstance(value, tf.Tensor) else ops.convert_to_tensor(value, dtype_hint=spec.dtype)
            for value, spec in zip(batch_in, specs, strict=False)
        ]
    except (TypeError, ValueError):
        return None
    if not all(spec.is_compatible_with(tensor) for spec, tensor in zip(specs, tensors, strict=False)):
        return None
    return tensors
