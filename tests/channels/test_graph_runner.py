"""The model graph run without dask (channels/graph_runner.py, cut 31) gives what DaskGraphRunner gives.

A small graph of recording components is run both ways: the same outputs, each node called once
with the same inputs, the same errors. (The trained model's own graphs are compared both ways by
tests/channels/test_model_loading.py, which runs Rasa's code against the project's cuts.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from channels import graph_runner, turn_cost

CALLS: list[tuple[str, dict[str, Any]]] = []


class Recorder(GraphComponent):
    """Returns its name and what it was given, and records the call."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Recorder:
        return cls(config["name"])

    def __init__(self, name: str) -> None:
        self.name = name

    def run(self, **given: Any) -> tuple[str, dict[str, Any]]:
        if given.get("fail"):
            raise ValueError("this node fails")
        CALLS.append((self.name, given))
        return self.name, given


def _node(name: str, target: bool = False, **needs: str) -> SchemaNode:
    return SchemaNode(needs, Recorder, "create", "run", {"name": name}, eager=True, is_target=target)


# x, y are inputs; a diamond (a → b, c; b, c → d), a branch no target needs (e), a second target (f)
SCHEMA = GraphSchema(
    {
        "a": _node("a", i="x"),
        "b": _node("b", i="a", j="y"),
        "c": _node("c", i="a"),
        "d": _node("d", True, i="b", j="c"),
        "e": _node("e", i="a"),
        "f": _node("f", True, i="c"),
    }
)


@pytest.fixture
def runner(tmp_path: Path) -> DaskGraphRunner:
    turn_cost.install()
    storage = LocalModelStorage(tmp_path)
    return DaskGraphRunner(SCHEMA, storage, ExecutionContext(SCHEMA, "model"))


def _both(runner: DaskGraphRunner, **kwargs: Any) -> tuple[Any, Any]:
    """(outcome, calls) of dask's run and of ours; an outcome is the outputs or the error's type."""
    outcomes = []
    for run in (turn_cost._originals["graph_run"], graph_runner.run):
        CALLS.clear()
        try:
            outcome: Any = run(runner, **kwargs)
        except Exception as error:
            outcome = type(error)
        outcomes.append((outcome, sorted(CALLS, key=repr)))
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("targets", [None, ["d"], ["f"], ["b", "f"], ["e"]])
def test_the_outputs_and_calls_are_dasks(runner: DaskGraphRunner, targets: list[str] | None) -> None:
    dasks, ours = _both(runner, inputs={"x": 1, "y": [2]}, targets=targets)
    assert ours == dasks
    outputs, calls = ours
    assert set(outputs) == set(targets or ["d", "f"])
    assert len(calls) == len({name for name, _ in calls})  # each node once


def test_an_input_named_like_a_node_stands_for_it(runner: DaskGraphRunner) -> None:
    dasks, ours = _both(runner, inputs={"x": 1, "y": 2, "c": "given"}, targets=["d"])
    assert ours == dasks
    assert "c" not in [name for name, _ in ours[1]]


def test_a_need_nothing_provides_fails_as_with_dask(runner: DaskGraphRunner) -> None:
    dasks, ours = _both(runner, inputs={"y": 2}, targets=["d"])  # no x for a
    assert ours == dasks and ours[0] is GraphRunError


def test_a_failing_node_and_an_input_clashing_with_a_node_fail_as_with_dask(
    runner: DaskGraphRunner, tmp_path: Path
) -> None:
    failing = GraphSchema({"a": _node("a", True, fail="x")})
    failing_runner = DaskGraphRunner(failing, LocalModelStorage(tmp_path / "failing"), ExecutionContext(failing, "m"))
    dasks, ours = _both(failing_runner, inputs={"x": True})
    assert ours == dasks and ours[0] is GraphComponentException
    dasks, ours = _both(runner, inputs={"x": 1, "y": "b"}, targets=["d"])
    assert ours == dasks and ours[0] is GraphRunError


def test_the_order_is_worked_out_once_per_targets_and_inputs(runner: DaskGraphRunner) -> None:
    for _ in range(3):
        graph_runner.run(runner, inputs={"x": 1, "y": 2}, targets=["d"])
    graph_runner.run(runner, inputs={"x": 1, "y": 2})
    assert len(runner.__dict__["_turn_cost_plans"]) == 2
