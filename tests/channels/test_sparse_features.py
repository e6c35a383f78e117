"""Sparse features joined directly (channels/sparse_features.py, cut 33) give what Rasa's join gives.

Rasa's `Features._combine_sparse_features` is `scipy.sparse.hstack`; the direct join must leave the
same matrix: format, shape, dtype, index dtype and every entry in the same order, duplicates and
empty matrices included, and Rasa's own error for heights that differ.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.shared.nlu.training_data.features import Features

from channels import sparse_features, turn_cost
from tests.channels.cut_switch import assert_put_in_place_and_taken_away


def rasa_combine() -> Callable[[Features, Features], None]:
    """Rasa's own join, whether or not the cuts are in place in this test process."""
    combine = turn_cost._originals.get("sparse_combine", Features._combine_sparse_features)
    assert combine.__module__ == "rasa.shared.nlu.training_data.features"
    return combine


DTYPES = ["float64", "int64", "float32", "int32", "float16", "bool"]


@st.composite
def sparse_matrices(draw: st.DrawFn, rows: int, dtype: str) -> scipy.sparse.spmatrix:
    columns = draw(st.integers(1, 60))
    entries = draw(st.integers(0, 25))
    row = draw(st.lists(st.integers(0, rows - 1), min_size=entries, max_size=entries))
    col = draw(st.lists(st.integers(0, columns - 1), min_size=entries, max_size=entries))  # repeats: duplicates
    data = draw(st.lists(st.floats(-5, 5, allow_nan=False, width=32), min_size=entries, max_size=entries))
    matrix = scipy.sparse.coo_matrix(
        (np.array(data, dtype=dtype), (np.array(row, dtype=np.int64), np.array(col))), shape=(rows, columns)
    )
    return matrix if draw(st.booleans()) else matrix.tocsr()


@st.composite
def feature_pairs(draw: st.DrawFn) -> tuple[Features, Features]:
    rows = draw(st.integers(1, 8))
    left_dtype = draw(st.sampled_from(DTYPES))
    # the featurizers' own mix: the lexical features' floats beside the word counts' integers
    right_dtype = left_dtype if draw(st.integers(0, 3)) else draw(st.sampled_from(DTYPES))
    left = Features(draw(sparse_matrices(rows, left_dtype)), "sequence", "text", "CountVectorsFeaturizer")
    right = Features(draw(sparse_matrices(rows, right_dtype)), "sequence", "text", "LexicalSyntacticFeaturizer")
    return left, right


def joined(combine: Callable[[Features, Features], None], left: Features, right: Features) -> Features:
    mine = copy.deepcopy(left)
    combine(mine, copy.deepcopy(right))
    return mine


def assert_same_matrix(mine: scipy.sparse.spmatrix, rasa: scipy.sparse.spmatrix) -> None:
    assert (mine.format, mine.shape, mine.dtype) == (rasa.format, rasa.shape, rasa.dtype)
    for part in ("row", "col", "data") if rasa.format == "coo" else ("indptr", "indices", "data"):
        assert getattr(mine, part).dtype == getattr(rasa, part).dtype, part
        np.testing.assert_array_equal(getattr(mine, part), getattr(rasa, part))


@settings(max_examples=300, deadline=None)
@given(feature_pairs())
def test_the_join_is_rasas(pair: tuple[Features, Features]) -> None:
    left, right = pair
    combine = sparse_features.make_combine(rasa_combine())
    mine, rasa = joined(combine, left, right), joined(rasa_combine(), left, right)
    assert_same_matrix(mine.features, rasa.features)
    assert mine.fingerprint() == rasa.fingerprint()


def test_most_joins_are_done_directly() -> None:
    """The common case (COO, one height) never reaches Rasa's join; the rest always does."""
    calls: list[str] = []
    combine = sparse_features.make_combine(lambda self, other: calls.append("rasa"))
    left = Features(scipy.sparse.coo_matrix(np.eye(3, 5, dtype=np.float32)), "sequence", "text", "a")
    same = Features(scipy.sparse.coo_matrix(np.ones((3, 2), dtype=np.float32)), "sequence", "text", "b")
    other_dtype = Features(scipy.sparse.coo_matrix(np.ones((3, 2))), "sequence", "text", "c")
    csr = Features(scipy.sparse.csr_matrix(np.ones((3, 2), dtype=np.float32)), "sequence", "text", "d")
    combine(copy.deepcopy(left), same)
    combine(copy.deepcopy(left), other_dtype)
    assert calls == []
    combine(copy.deepcopy(left), csr)
    assert calls == ["rasa"]


def test_the_fingerprint_follows_the_join() -> None:
    combine = sparse_features.make_combine(rasa_combine())
    left = Features(scipy.sparse.coo_matrix(np.eye(2, 3, dtype=np.float32)), "sequence", "text", "a")
    right = Features(scipy.sparse.coo_matrix(np.ones((2, 1), dtype=np.float32)), "sequence", "text", "b")
    before = left.fingerprint()
    combine(left, right)
    fresh = Features(left.features, "sequence", "text", "a")
    assert left.fingerprint() == fresh.fingerprint() != before


def test_heights_that_differ_get_rasas_error() -> None:
    combine = sparse_features.make_combine(rasa_combine())
    left = Features(scipy.sparse.coo_matrix(np.eye(2, 3, dtype=np.float32)), "sequence", "text", "a")
    right = Features(scipy.sparse.coo_matrix(np.ones((3, 1), dtype=np.float32)), "sequence", "text", "b")
    with pytest.raises(ValueError, match="sequence dimensions do not match: 2 != 3"):
        combine(left, right)


def test_the_cut_is_put_in_place_and_taken_away() -> None:
    assert_put_in_place_and_taken_away(
        lambda: Features._combine_sparse_features,
        "channels.sparse_features",
        "rasa.shared.nlu.training_data.features",
    )
