"""Rasa's model graph run node after node in a fixed order, without dask (issue 15, cut 31).

Every message runs the model's graph several times: once to understand it, once per predicted
action. Rasa 3.6 hands each run to dask, which builds a task graph, orders it and executes it one
task at a time, on this process's one thread: the same work as calling the nodes in dependency
order, plus dask's bookkeeping, which cost a Rasa process several percent of its CPU under
`make load` (docs/benchmarks.md). `run` below does what `DaskGraphRunner.run` does, node by node:
each node gets its parents' outputs, a graph input arrives as `(name, value)`, a name that nothing
provides is passed as the bare name (GraphNode warns about it), and a RuntimeError becomes a
GraphRunError. The order for a set of targets is worked out once.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

logger = logging.getLogger(__name__)

# the graph's node names for the targets, and the nodes to run, in order, each with the names it needs
Plan = tuple[frozenset[str], list[tuple[str, tuple[str, ...]]]]


def run(
    self: DaskGraphRunner, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
) -> dict[str, Any]:
    """`DaskGraphRunner.run` without dask: the same outputs, from the same calls."""
    run_targets = targets if targets else self._graph_schema.target_names
    graph, plan = _plan(self, tuple(run_targets), tuple(inputs or ()))
    values: dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and (value in graph or value in values):
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure "
                f"that none of the input names passed to the `run` method are the "
                f"same as node names in the graph schema."
            )
        values[name] = (name, value)
    logger.debug(f"Running graph with inputs: {inputs}, targets: {targets} and {self._execution_context}.")
    try:
        for node, needs in plan:
            values[node] = self._instantiated_nodes[node](*(values.get(need, need) for need in needs))
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(values[target] for target in run_targets)


def _plan(runner: DaskGraphRunner, targets: tuple[str, ...], inputs: tuple[str, ...]) -> Plan:
    plans: dict[tuple[tuple[str, ...], tuple[str, ...]], Plan] = runner.__dict__.setdefault("_turn_cost_plans", {})
    if (targets, inputs) not in plans:
        schema = runner._graph_schema.minimal_graph_schema(list(targets))
        plans[targets, inputs] = frozenset(schema.nodes), _in_dependency_order(schema, set(inputs))
    return plans[targets, inputs]


def _in_dependency_order(schema: GraphSchema, inputs: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Each node of `schema` after the nodes it needs (depth first, in the schema's own order).

    An input named like a node stands for it, as in Rasa's dask graph: that node is not run.
    """
    plan: list[tuple[str, tuple[str, ...]]] = []
    placed: set[str] = set(inputs)

    def place(name: str) -> None:
        if name in placed or name not in schema.nodes:
            return  # an input, or a name nothing provides: a value, not a node
        placed.add(name)
        needs = tuple(schema.nodes[name].needs.values())
        for need in needs:
            place(need)
        plan.append((name, needs))

    for name in schema.nodes:
        place(name)
    return plan
