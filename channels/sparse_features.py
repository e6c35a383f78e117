"""Sparse features put side by side without scipy's general block stacking (issue 15, cut 33).

Every message's token features come from several featurizers (character and word counts, lexical
and syntactic flags, regexes), and DIET and the ResponseSelector each join them into one matrix per
attribute with `Features._combine_sparse_features`, which calls `scipy.sparse.hstack`. hstack goes
through `bmat`, written for any grid of blocks in any format: it converts and checks each block and
builds the result through several generic steps, about 0.2 ms a join, several joins a message, some
5 % of a Rasa process's CPU under `make load` (docs/benchmarks.md).

Two COO matrices (what the featurizers make) of the same height put side by side are their
entries concatenated with the right one's columns shifted, which is what `bmat` computes for them,
in the same order and with the same entry type. That case is done directly; anything else (another
format, heights that differ) goes to Rasa's own code, which also raises its own error for the
latter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features
from scipy.sparse._sputils import upcast  # what bmat types the joined entries with

_INT32_MAX = int(np.iinfo(np.int32).max)

Combine = Callable[[Features, Features], None]


def make_combine(rasa_combine: Combine) -> Combine:
    """`Features._combine_sparse_features` with the common case done directly, else `rasa_combine`."""

    def combine_sparse_features(self: Features, additional_features: Features) -> None:
        left, right = self.features, additional_features.features
        if not _side_by_side_directly(left, right):
            rasa_combine(self, additional_features)
            return
        self.features = hstack_pair(left, right)
        self._cached_fingerprint = None

    return combine_sparse_features


def _side_by_side_directly(left: Any, right: Any) -> bool:
    return (
        isinstance(left, scipy.sparse.coo_matrix)  # what Rasa's featurizers make (hstack keeps CSR as CSR)
        and isinstance(right, scipy.sparse.coo_matrix)
        and left.shape[0] == right.shape[0]
        and left.shape[1] + right.shape[1] <= _INT32_MAX  # bmat's column index type then stays int32
    )


def hstack_pair(left: scipy.sparse.coo_matrix, right: scipy.sparse.coo_matrix) -> scipy.sparse.coo_matrix:
    """`scipy.sparse.hstack([left, right])` for two COO matrices of one height.

    The entries take the type `bmat` gives them: scipy's `upcast` of the two (float64 for the
    lexical features' floats beside the word counts' integers, float32 for float16).
    """
    rows, left_columns = left.shape
    return scipy.sparse.coo_matrix(
        (
            np.concatenate((left.data, right.data)).astype(upcast(left.dtype, right.dtype), copy=False),
            (np.concatenate((left.row, right.row)), np.concatenate((left.col, right.col + left_columns))),
        ),
        shape=(rows, left_columns + right.shape[1]),
    )
