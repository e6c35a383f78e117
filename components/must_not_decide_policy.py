"""A dialogue policy that hands suspected fraud and disputed transactions to a human.

The bot must not decide these (issue 6), yet users report them in words the NLU
files under many intents ("有人盗用我的身份开了借呗" reads like reopening,
"账户被盗了" like a platform closure). So the decision rests on the text itself
(`bot.handoff.tickets.must_not_decide`), not on the intent, and outranks every other
policy for that turn. Inside a form the form's own rules handle a human request.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff.tickets import must_not_decide
from bot.nlu.textnorm import normalise

HANDOFF_ACTION = "action_request_human"
# Above RulePolicy (6): a fraud report must not continue an ordinary rule.
PRIORITY = 7


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class MustNotDecidePolicy(Policy):
    """Predicts `action_request_human` right after a message reporting fraud or a dispute."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Only the priority is configurable."""
        return {"priority": PRIORITY}

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

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Certain about the handoff on the turn right after such a message; silent otherwise."""
        probabilities = self._default_predictions(domain)
        if self._reports_fraud_or_dispute(tracker) and HANDOFF_ACTION in domain.action_names_or_texts:
            probabilities[domain.index_for_action(HANDOFF_ACTION)] = 1.0
        return self._prediction(probabilities)

    @staticmethod
    def _reports_fraud_or_dispute(tracker: DialogueStateTracker) -> bool:
        if tracker.latest_action_name != ACTION_LISTEN_NAME or tracker.active_loop_name:
            return False
        text = (tracker.latest_message.text if tracker.latest_message else None) or ""
        return must_not_decide(normalise(text)) is not None
