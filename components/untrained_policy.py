"""The shared frame of the project's policies that learn nothing and read the tracker directly.

MustNotDecidePolicy, ConversationContextPolicy and PendingQuestionPolicy each decide from
the words and the conversation so far (rules in `bot/`), so Rasa's training step has
nothing to learn: this base keeps Rasa's constructor, writes the empty resource Rasa needs
to load the policy, and makes the priority the only setting. Each subclass sets PRIORITY
and implements `predict_action_probabilities`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rasa.core.policies.policy import Policy
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates


class UntrainedPolicy(Policy):
    """A policy with nothing to train; subclasses predict from the tracker."""

    PRIORITY: ClassVar[int]

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Only the priority is configurable."""
        return {"priority": cls.PRIORITY}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        """Keeps Rasa's constructor (the featurizer is unused)."""
        super().__init__(config, model_storage, resource, execution_context, featurizer)

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """Nothing to learn; the resource only has to exist for loading."""
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource
